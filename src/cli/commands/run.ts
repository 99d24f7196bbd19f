/**
 * `naftiko run <spec...>`: validates each capability, builds its runtime and starts its adapters;
 * runs until SIGINT/SIGTERM, then stops accepting, lets in-flight requests finish (bounded) and
 * resolves 0. Exit 1: a spec is invalid (diagnostics printed as `validate` prints them);
 * exit 2: a runtime failure (port in use, unresolvable binding), with a one-line reason.
 */
import { existsSync } from 'node:fs';
import { ERROR_CATALOGUE, toNaftikoError } from '../../errors.js';
import { createLogger } from '../../logger.js';
import type { LogFormat, LogLevel, Logger } from '../../logger.js';
import { createRuntime } from '../../engine/runtime.js';
import type { Runtime } from '../../engine/runtime.js';
import { readEnvFile } from '../../engine/bindings.js';
import type { RunningAdapter } from '../../exposes/adapter.js';
import { compareDiagnostics, hasErrors } from '../../spec/diagnostics.js';
import { createValidator } from '../../spec/validate.js';
import type { LoadedCapability } from '../../spec/validate.js';
import type { ExposesAdapter } from '../../spec/types.js';
import { formatReports } from '../output/format-diagnostics.js';
import { prepareInboundAuth } from '../prepare-auth.js';
import { startAdapter } from '../start-adapter.js';
import { parseLimitOptions, parseUpstreamOptions } from '../limit-options.js';
import { enableAccessLog } from '../../observability/access-log.js';
import type { LimitOptions } from '../limit-options.js';
import { createRefusalLog } from '../../exposes/auth/refusal-log.js';
import { enableMetrics, wantsMetrics } from '../../observability/metrics.js';
import { tracingOptions } from '../../observability/tracing-config.js';
import { disableTracing, enableTracing } from '../../observability/tracing.js';
import type { InboundAuthenticator } from '../../exposes/auth/inbound-auth.js';
import type { AdapterState } from '../../exposes/control/adapter-states.js';
import type { CliIo } from '../program.js';
import {
  forNamespace,
  parseBaseUris,
  parsePairs,
  parsePorts,
  parsePositiveInt,
  unknownNamespaces,
} from '../run-options.js';

export interface RunOptions extends LimitOptions {
  readonly baseUri?: string[];
  readonly port?: string[];
  readonly address?: string[];
  readonly envFile?: string;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
  readonly timeout?: string;
  /** Serve the MCP adapter on stdin/stdout; network adapters are not started. */
  readonly stdio?: boolean;
  /** MCP over HTTP without sessions (for many instances behind a load balancer). */
  readonly mcpStateless?: boolean;
  /** Resolves when the process should shut down (signals, in production). */
  readonly shutdown?: Promise<unknown>;
  /** Reload a capability when its file, or a file it imports or binds, changes. */
  readonly watch?: boolean;
}

/** How long in-flight requests get to finish on shutdown. */
const DRAIN_MS = 10_000;

export async function runCommand(
  specs: readonly string[],
  options: RunOptions,
  io: CliIo,
): Promise<number> {
  const baseUris = parseBaseUris(options.baseUri);
  const ports = parsePorts(options.port);
  const addresses = parsePairs('--address', options.address);
  const timeout = parsePositiveInt('--timeout', options.timeout);
  const limits = parseLimitOptions(options);
  const upstream = parseUpstreamOptions(options);
  const envFile = options.envFile === undefined ? undefined : readEnvFile(options.envFile);
  // In stdio mode stdout carries the MCP protocol: every log line goes to stderr.
  const stdio = { enabled: options.stdio === true, claimed: false };
  const stream = {
    write: (text: string) => ((stdio.enabled ? io.stderr : io.stdout)(text), true),
  } as unknown as NodeJS.WritableStream;
  let log: Logger = createLogger({
    level: options.logLevel,
    format: options.logFormat,
    stream: stream as never,
  });

  const capabilities: LoadedCapability[] = [];
  const warnings: [string, number][] = [];
  const validator = createValidator();
  for (const spec of specs) {
    if (!existsSync(spec)) {
      io.stderr(`naftiko: no such file: ${spec} [SPEC_NOT_FOUND]\n`);
      return ERROR_CATALOGUE.SPEC_NOT_FOUND.exitCode;
    }
    const result = await validator.validateFile(spec);
    if (result.capability === undefined || hasErrors(result.diagnostics)) {
      const report = [
        { file: spec, diagnostics: [...result.diagnostics].sort(compareDiagnostics) },
      ];
      io.stderr(formatReports(report, 'text'));
      io.stderr(`naftiko: ${spec} is not a valid capability; not starting [SPEC_INVALID]\n`);
      return 1;
    }
    if ((result.capability.doc.capability?.exposes ?? []).length === 0) {
      io.stderr(
        `naftiko: ${spec} exposes nothing to serve (a shared consumes file, or no exposes) [USAGE_INVALID]\n`,
      );
      return ERROR_CATALOGUE.USAGE_INVALID.exitCode;
    }
    capabilities.push(result.capability);
    warnings.push([spec, result.diagnostics.length]);
  }

  stdio.enabled ||= capabilities.some((c) =>
    (c.doc.capability?.exposes ?? []).some((a) => a.type === 'mcp' && a.transport === 'stdio'),
  );
  for (const [spec, count] of warnings.filter(([, n]) => n > 0)) {
    log.debug('capability.warnings', `${spec}: ${count} warnings (see naftiko validate)`, {
      file: spec,
      warnings: count,
    });
  }

  // A mistyped namespace would silently leave a production base URI (and its key) in use.
  const unknown = unknownNamespaces(capabilities, baseUris, ports, addresses);
  if (unknown !== undefined) {
    io.stderr(`naftiko: ${unknown} [USAGE_INVALID]\n`);
    return ERROR_CATALOGUE.USAGE_INVALID.exitCode;
  }

  const runtimes: Runtime[] = [];
  const adapters: RunningAdapter[] = [];
  const states: AdapterState[] = [];
  const stdioClosed = deferred();
  const stopAll = async () => {
    for (const [i, s] of states.entries()) {
      if (s.state === 'started') states[i] = { ...s, state: 'stopping' };
    }
    await Promise.allSettled(adapters.map((a) => a.stop(DRAIN_MS)));
    await Promise.allSettled(runtimes.map((r) => r.close()));
  };
  const authenticators: InboundAuthenticator[] = [];
  try {
    for (const capability of capabilities) {
      const runtime = createRuntime(capability, {
        baseUris,
        ...(timeout !== undefined
          ? { totalTimeoutMs: timeout, connectTimeoutMs: Math.min(timeout, 5_000) }
          : {}),
        ...(envFile !== undefined ? { envFile } : {}),
        maxUpstreamBodyBytes: upstream.maxUpstreamBodyBytes,
        resilience: upstream.resilience,
        onCircuit: (event) => {
          const message = `circuit of ${event.namespace} → ${event.origin} ${event.state}${event.state === 'open' ? ` after ${event.failures} consecutive failures` : ''}`;
          const fields = { namespace: event.namespace, origin: event.origin, state: event.state };
          if (event.state === 'closed') log.info('upstream.circuit', message, fields);
          else log.warn('upstream.circuit', message, fields);
        },
      });
      runtimes.push(runtime);
      log = log.withRedaction(runtime.redact);
    }
    const warn = (event: string, message: string) => log.warn(event, message);
    const onRefused = createRefusalLog(log);
    // Every lock is compiled before any adapter listens: nothing is served if one cannot be.
    const plans: {
      adapter: ExposesAdapter;
      runtime: Runtime;
      authenticator: InboundAuthenticator | undefined;
      index: number;
    }[] = [];
    for (const [i, capability] of capabilities.entries()) {
      const runtime = runtimes[i]!;
      for (const adapter of capability.doc.capability?.exposes ?? []) {
        const authenticator = await prepareInboundAuth(adapter, runtime, {
          stdio: stdio.enabled,
          warn,
        });
        if (authenticator !== undefined) authenticators.push(authenticator);
        states.push({
          type: adapter.type,
          ...('namespace' in adapter ? { namespace: adapter.namespace } : {}),
          ...(adapter.port !== undefined ? { port: adapter.port } : {}),
          state: 'starting',
        });
        plans.push({ adapter, runtime, authenticator, index: states.length - 1 });
      }
    }
    // Control adapters first: liveness answers while the others start, readiness says when
    // they all have.
    plans.sort(
      (a, b) => Number(b.adapter.type === 'control') - Number(a.adapter.type === 'control'),
    );
    // Metrics are recorded only when a control adapter will serve them (observability/).
    if (
      !stdio.enabled &&
      plans.some((p) => p.adapter.type === 'control' && wantsMetrics(p.adapter))
    )
      await enableMetrics();
    const tracing = tracingOptions(
      stdio.enabled ? [] : plans.flatMap((p) => (p.adapter.type === 'control' ? [p.adapter] : [])),
      process.env,
      capabilities[0]?.doc.info?.label ?? 'naftiko-engine',
    );
    if (tracing !== undefined) {
      await enableTracing({
        ...tracing,
        onExportError: (message) => log.warn('traces.export_failed', message),
      });
    }
    if (upstream.accessLog) {
      enableAccessLog((entry) =>
        log.info(
          'request',
          `${entry.method} ${entry.route} ${entry.status} ${entry.durationMs} ms`,
          {
            adapter: entry.adapter,
            adapterType: entry.adapterType,
            operation: entry.operation,
            status: entry.status,
            durationMs: entry.durationMs,
            requestId: entry.requestId,
            ...(entry.traceId !== undefined ? { traceId: entry.traceId } : {}),
            upstream: entry.upstream.map((e) => ({
              call: e.upstream,
              outcome: e.outcome,
              ms: Math.round(e.ms * 1000) / 1000,
            })),
          },
        ),
      );
    }
    for (const { adapter, runtime, authenticator, index } of plans) {
      const namespace = 'namespace' in adapter ? adapter.namespace : 'control';
      const port = forNamespace(ports, namespace);
      const address = forNamespace(addresses, namespace);
      const outcome = await startAdapter(adapter, runtime, {
        ...(port !== undefined ? { port } : {}),
        ...(address !== undefined ? { address } : {}),
        ...(authenticator !== undefined ? { authenticator, onRefused, onWarning: warn } : {}),
        stdio,
        states: () => states,
        stateless: options.mcpStateless === true,
        limits,
        onError: (err) => log.error('request.failed', toNaftikoError(err).message, { namespace }),
        onStdioClose: stdioClosed.resolve,
      });
      if ('skipped' in outcome) {
        states[index] = { ...states[index]!, state: 'skipped', reason: outcome.skipped };
        log.warn(
          'adapter.skipped',
          `${adapter.type} adapter "${namespace}" skipped: ${outcome.skipped}`,
          {
            type: adapter.type,
            namespace,
          },
        );
        continue;
      }
      const running = outcome.running;
      adapters.push(running);
      states[index] = { ...states[index]!, state: 'started', url: running.url };
      log.info(
        'adapter.listening',
        `${running.type} adapter "${running.namespace}" listening on ${running.url}${authenticator !== undefined ? ` (${authenticator.scheme} authentication)` : ''}`,
        {
          type: running.type,
          namespace: running.namespace,
          url: running.url,
          ...(authenticator !== undefined ? { authentication: authenticator.scheme } : {}),
        },
      );
    }
  } catch (err) {
    await stopAll();
    // Authenticators of adapters that never started (their adapters close the others).
    await Promise.allSettled(authenticators.map((a) => a.close?.()));
    const error = toNaftikoError(err);
    io.stderr(`naftiko: ${log === undefined ? error.message : error.message} [${error.code}]\n`);
    return error.code === 'INTERNAL' ? 3 : 2;
  }
  log.info(
    'capability.ready',
    `ready: ${adapters.length} adapter${adapters.length === 1 ? '' : 's'} listening`,
    {
      adapters: adapters.length,
    },
  );

  // Signal listeners do not keep Node's event loop alive: with no adapter listening (all of them
  // skipped), this timer does, until the shutdown signal.
  const keepAlive = setInterval(() => {}, 1 << 30);
  await Promise.race([options.shutdown ?? new Promise<void>(() => {}), stdioClosed.promise]);
  clearInterval(keepAlive);
  log.info('capability.stopping', 'stopping: finishing in-flight requests');
  await stopAll();
  // Spans still queued for the OTLP exporter are sent (bounded: a dead collector waits 2 s).
  await Promise.race([disableTracing(), new Promise((r) => setTimeout(r, 2000).unref())]);
  log.info('capability.stopped', 'stopped');
  return 0;
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
