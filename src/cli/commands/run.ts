/**
 * `naftiko run <spec...>`: validates each capability (a folder: each capability file in it that
 * exposes something), builds its runtime and starts its adapters; runs until SIGINT/SIGTERM, then
 * stops accepting, lets in-flight requests finish (bounded) and resolves 0. Exit 1: a spec is
 * invalid (diagnostics printed as `validate` prints them); exit 2: a runtime failure (port in
 * use, unresolvable binding, adapters of two files that clash), with a one-line reason. With
 * `--watch`, a capability is reloaded when a file it depends on changes (reload.ts).
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { ERROR_CATALOGUE, toNaftikoError } from '../../errors.js';
import { createLogger } from '../../logger.js';
import type { LogFormat, LogLevel, Logger } from '../../logger.js';
import { createRuntime } from '../../engine/runtime.js';
import type { Runtime } from '../../engine/runtime.js';
import { readEnvFile } from '../../engine/bindings.js';
import { compareDiagnostics, hasErrors } from '../../spec/diagnostics.js';
import { createValidator } from '../../spec/validate.js';
import type { LoadedCapability } from '../../spec/validate.js';
import { formatReports } from '../output/format-diagnostics.js';
import { prepareInboundAuth } from '../prepare-auth.js';
import { startAdapter } from '../start-adapter.js';
import { parseLimitOptions, parseUpstreamOptions } from '../limit-options.js';
import { enableAccessLog } from '../../observability/access-log.js';
import type { AccessEntry } from '../../observability/access-log.js';
import type { LimitOptions } from '../limit-options.js';
import { createRefusalLog } from '../../exposes/auth/refusal-log.js';
import { enableMetrics, wantsMetrics } from '../../observability/metrics.js';
import { tracingOptions } from '../../observability/tracing-config.js';
import { disableTracing, enableTracing } from '../../observability/tracing.js';
import type { InboundAuthenticator } from '../../exposes/auth/inbound-auth.js';
import type { AdapterState } from '../../exposes/control/adapter-states.js';
import type { CliIo } from '../program.js';
import { answerMetricsCollection } from '../../observability/cluster-metrics.js';
import { WORKER_READY, isClusterWorker } from '../../observability/worker-channel.js';
import { reloadCapability, servedAdapter } from '../reload.js';
import type { ServedAdapter, ServedCapability, Serving } from '../reload.js';
import type { CapabilityWatcher } from '../watch.js';
import { reloadTurn } from '../worker-reload.js';
import {
  findClash,
  forNamespace,
  parseBaseUris,
  parsePairs,
  parsePorts,
  parsePositiveInt,
  plannedListener,
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
  let envFile = options.envFile === undefined ? undefined : readEnvFile(options.envFile);
  // In stdio mode stdout carries the MCP protocol: every log line goes to stderr.
  const stdio = { enabled: options.stdio === true, claimed: false };
  const stream = {
    write: (text: string) => ((stdio.enabled ? io.stderr : io.stdout)(text), true),
  } as unknown as NodeJS.WritableStream;
  const baseLog: Logger = createLogger({
    level: options.logLevel,
    format: options.logFormat,
    stream: stream as never,
  });
  let log = baseLog;
  // Every line is redacted of the secrets of the runtimes alive now (with --watch, a reload's
  // new runtime is added and the previous one dropped once closed: the chain does not grow).
  const alive = new Set<Runtime>();
  const redactAlive = () => {
    const redactors = [...alive].map((r) => r.redact);
    log =
      redactors.length === 0
        ? baseLog
        : baseLog.withRedaction((text) => redactors.reduce((t, redact) => redact(t), text));
  };
  let stopping = false;

  const loaded = await loadCapabilities(specs, io);
  if (typeof loaded === 'number') return loaded;
  const { capabilities, files, warnings } = loaded;

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
  // Adapters of different files (or one file with --port/--address) must not collide: said
  // before anything listens.
  const clash = findClash(
    capabilities.flatMap((c, i) =>
      (c.doc.capability?.exposes ?? []).map((a) => plannedListener(files[i]!, a, ports, addresses)),
    ),
    !stdio.enabled,
  );
  if (clash !== undefined) {
    io.stderr(`naftiko: ${clash} [USAGE_INVALID]\n`);
    return ERROR_CATALOGUE.USAGE_INVALID.exitCode;
  }

  const served: ServedCapability[] = [];
  const states: AdapterState[] = [];
  const refreshStates = () => {
    states.length = 0;
    states.push(...served.flatMap((s) => s.adapters.map((a) => a.state)));
  };
  const stdioClosed = deferred();
  const authenticators: InboundAuthenticator[] = [];
  const warn = (event: string, message: string) => log.warn(event, message);
  // The refusal log writes through whichever logger is current (each runtime adds redaction).
  const onRefused = createRefusalLog({
    debug: (...a) => log.debug(...a),
    info: (...a) => log.info(...a),
    warn: (...a) => log.warn(...a),
    error: (...a) => log.error(...a),
    withRedaction: (redact) => log.withRedaction(redact),
  });
  const serving: Serving = {
    served,
    ports,
    addresses,
    baseUris,
    graceMs: DRAIN_MS,
    log: () => log,
    stopping: () => stopping,
    createRuntime(capability) {
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
      alive.add(runtime);
      redactAlive();
      return runtime;
    },
    async closeRuntime(runtime) {
      await runtime.close().catch(() => {});
      alive.delete(runtime);
      redactAlive();
    },
    prepareAuth: (adapter, runtime) =>
      prepareInboundAuth(adapter, runtime, { stdio: stdio.enabled, warn }),
    startContext: (listener, authenticator) => {
      const port = forNamespace(ports, listener.namespace);
      const address = forNamespace(addresses, listener.namespace);
      return {
        ...(port !== undefined ? { port } : {}),
        ...(address !== undefined ? { address } : {}),
        ...(authenticator !== undefined ? { authenticator, onRefused, onWarning: warn } : {}),
        stdio,
        states: () => states,
        stateless: options.mcpStateless === true,
        limits,
        onError: (err) =>
          log.error('request.failed', toNaftikoError(err).message, {
            namespace: listener.namespace,
          }),
        onStdioClose: stdioClosed.resolve,
      };
    },
    refreshStates,
  };
  const running = () =>
    served.flatMap((s) => s.adapters.flatMap((a) => (a.running ? [a.running] : [])));
  const stopAll = async () => {
    for (const s of served) {
      for (const a of s.adapters) {
        if (a.state.state === 'started') a.state = { ...a.state, state: 'stopping' };
      }
    }
    refreshStates();
    await Promise.allSettled(running().map((a) => a.stop(DRAIN_MS)));
    await Promise.allSettled(
      served.flatMap((s) => [s.runtime, ...s.retained]).map((r) => r.close()),
    );
  };
  try {
    for (const [i, capability] of capabilities.entries()) {
      const runtime = serving.createRuntime(capability);
      const adapters = (capability.doc.capability?.exposes ?? []).map((spec) =>
        servedAdapter(files[i]!, spec, serving),
      );
      served.push({ file: files[i]!, capability, runtime, adapters, retained: [] });
    }
    refreshStates();
    // Every lock is compiled before any adapter listens: nothing is served if one cannot be.
    const plans: {
      adapter: ServedAdapter;
      runtime: Runtime;
      authenticator?: InboundAuthenticator;
    }[] = [];
    for (const s of served) {
      for (const adapter of s.adapters) {
        const authenticator = await serving.prepareAuth(adapter.spec, s.runtime);
        if (authenticator !== undefined) authenticators.push(authenticator);
        plans.push({ adapter, runtime: s.runtime, ...(authenticator ? { authenticator } : {}) });
      }
    }
    // Control adapters first: liveness answers while the others start, readiness says when
    // they all have.
    plans.sort(
      (a, b) =>
        Number(b.adapter.spec.type === 'control') - Number(a.adapter.spec.type === 'control'),
    );
    const controls = plans.flatMap((p) =>
      p.adapter.spec.type === 'control' ? [p.adapter.spec] : [],
    );
    // Metrics are recorded only when a control adapter will serve them (observability/).
    if (!stdio.enabled && controls.some((c) => wantsMetrics(c))) await enableMetrics();
    const tracing = tracingOptions(
      stdio.enabled ? [] : controls,
      process.env,
      capabilities[0]?.doc.info?.label ?? 'naftiko-engine',
    );
    if (tracing !== undefined) {
      await enableTracing({
        ...tracing,
        onExportError: (message) => log.warn('traces.export_failed', message),
      });
    }
    if (upstream.accessLog) enableAccessLog((entry) => logRequest(log, entry));
    for (const { adapter, runtime, authenticator } of plans) {
      const outcome = await startAdapter(
        adapter.spec,
        runtime,
        serving.startContext(adapter.listener, authenticator),
      );
      const namespace = adapter.listener.namespace;
      if ('skipped' in outcome) {
        adapter.state = { ...adapter.state, state: 'skipped', reason: outcome.skipped };
        refreshStates();
        log.warn(
          'adapter.skipped',
          `${adapter.spec.type} adapter "${namespace}" skipped: ${outcome.skipped}`,
          { type: adapter.spec.type, namespace },
        );
        continue;
      }
      const started = outcome.running;
      adapter.running = started;
      adapter.state = { ...adapter.state, state: 'started', url: started.url };
      refreshStates();
      log.info(
        'adapter.listening',
        `${started.type} adapter "${started.namespace}" listening on ${started.url}${authenticator !== undefined ? ` (${authenticator.scheme} authentication)` : ''}`,
        {
          type: started.type,
          namespace: started.namespace,
          url: started.url,
          ...(authenticator !== undefined ? { authentication: authenticator.scheme } : {}),
        },
      );
    }
  } catch (err) {
    await stopAll();
    // Authenticators of adapters that never started (their adapters close the others).
    await Promise.allSettled(authenticators.map((a) => a.close?.()));
    const error = toNaftikoError(err);
    io.stderr(`naftiko: ${error.message} [${error.code}]\n`);
    return error.code === 'INTERNAL' ? 3 : 2;
  }
  const count = running().length;
  log.info('capability.ready', `ready: ${count} adapter${count === 1 ? '' : 's'} listening`, {
    adapters: count,
  });
  // A worker of `--workers` tells its primary (commands/workers.ts).
  if (isClusterWorker()) {
    answerMetricsCollection();
    process.send?.(WORKER_READY);
  }

  let watcher: CapabilityWatcher | undefined;
  // One reload at a time (each sees the others' adapters as they are); the previous version of a
  // capability lets go (drains) outside this queue: only a later reload of that capability waits.
  let queue: Promise<void> = Promise.resolve();
  const settling = new Map<string, Promise<void>>();
  if (options.watch === true) {
    if (stdio.enabled) {
      log.warn(
        'capability.watch_off',
        '--watch has no effect over stdio: the MCP client restarts the server to reload it',
      );
    } else {
      // Loaded only with --watch: chokidar is not part of every start-up.
      const { watchCapabilities } = await import('../watch.js');
      const { referencedFiles, watchedFiles } = await import('../watch-files.js');
      // A capability whose previous version still drains reloads once it has (its adapters'
      // builds are replaced one after the other); meanwhile the queue serves the others.
      const waiting = new Set<string>();
      const schedule = (file: string) => {
        const target = served.find((s) => s.file === file);
        if (target === undefined || stopping) return;
        queue = queue.then(async () => {
          if (stopping) return;
          const pending = settling.get(file);
          if (pending !== undefined) {
            if (!waiting.has(file)) {
              waiting.add(file);
              void pending.then(() => {
                waiting.delete(file);
                schedule(file);
              });
            }
            return;
          }
          if (options.envFile !== undefined) {
            try {
              envFile = readEnvFile(options.envFile);
            } catch (err) {
              log.warn('capability.reload_failed', toNaftikoError(err).message, { file });
              return;
            }
          }
          // With --workers, one worker at a time (worker-reload.ts).
          const turn = await reloadTurn();
          if (stopping) {
            turn.release(false);
            return;
          }
          let outcome: Awaited<ReturnType<typeof reloadCapability>> | undefined;
          try {
            outcome = await reloadCapability(serving, target);
          } finally {
            turn.release(outcome?.reloaded === true);
          }
          if (outcome.reloaded) {
            const settled = outcome.settled.catch(() => {});
            settling.set(file, settled);
            void settled.then(() => {
              if (settling.get(file) === settled) settling.delete(file);
            });
          }
          const files = watchedFiles(target.capability, options.envFile);
          // A failed edit may refer to a file that does not exist yet (an import): creating it
          // retries the reload.
          if (!outcome.reloaded) files.push(...(await referencedFiles(target.file)));
          watcher?.track(target.file, files);
        });
      };
      watcher = await watchCapabilities(
        new Map(served.map((s) => [s.file, watchedFiles(s.capability, options.envFile)])),
        schedule,
      );
      log.info(
        'capability.watching',
        `watching ${served.length} capability file${served.length === 1 ? '' : 's'} for changes`,
        {
          files: served.map((s) => s.file),
        },
      );
    }
  }

  // Signal listeners do not keep Node's event loop alive: with no adapter listening (all of them
  // skipped), this timer does, until the shutdown signal.
  const keepAlive = setInterval(() => {}, 1 << 30);
  await Promise.race([options.shutdown ?? new Promise<void>(() => {}), stdioClosed.promise]);
  clearInterval(keepAlive);
  stopping = true;
  log.info('capability.stopping', 'stopping: finishing in-flight requests');
  await watcher?.close();
  // A reload under way gives up before its switch, or finishes it (its drain is bounded too).
  const drained = new Promise((r) => setTimeout(r, DRAIN_MS).unref());
  await Promise.race([Promise.all([queue, ...settling.values()]).catch(() => {}), drained]);
  await stopAll();
  // Spans still queued for the OTLP exporter are sent (bounded: a dead collector waits 2 s).
  await Promise.race([disableTracing(), new Promise((r) => setTimeout(r, 2000).unref())]);
  log.info('capability.stopped', 'stopped');
  return 0;
}

/**
 * Validates every capability file named (a folder: each capability file in it that exposes
 * something; shared consumes files there are skipped). A number is the exit code of a failure,
 * already reported.
 */
async function loadCapabilities(
  specs: readonly string[],
  io: CliIo,
): Promise<
  number | { capabilities: LoadedCapability[]; files: string[]; warnings: [string, number][] }
> {
  const capabilities: LoadedCapability[] = [];
  const files: string[] = [];
  const warnings: [string, number][] = [];
  const seen = new Set<string>();
  const validator = createValidator();
  for (const spec of specs) {
    const info = await stat(spec).catch(() => undefined);
    if (info === undefined) {
      io.stderr(`naftiko: no such file: ${spec} [SPEC_NOT_FOUND]\n`);
      return ERROR_CATALOGUE.SPEC_NOT_FOUND.exitCode;
    }
    const folder = info.isDirectory();
    let found: string[];
    try {
      // The folder search (and its glob library) loads only for a folder argument.
      found = folder ? await (await import('../find-spec-files.js')).findSpecFiles([spec]) : [spec];
    } catch (err) {
      const error = toNaftikoError(err);
      io.stderr(`naftiko: ${error.message} [${error.code}]\n`);
      return ERROR_CATALOGUE[error.code].exitCode;
    }
    for (const file of found) {
      if (seen.has(path.resolve(file))) continue;
      const result = await validator.validateFile(file);
      if (result.capability === undefined || hasErrors(result.diagnostics)) {
        const report = [{ file, diagnostics: [...result.diagnostics].sort(compareDiagnostics) }];
        io.stderr(formatReports(report, 'text'));
        io.stderr(`naftiko: ${file} is not a valid capability; not starting [SPEC_INVALID]\n`);
        return 1;
      }
      if ((result.capability.doc.capability?.exposes ?? []).length === 0) {
        // A folder's shared consumes files (and capabilities with nothing to serve) are skipped.
        if (folder) continue;
        io.stderr(
          `naftiko: ${file} exposes nothing to serve (a shared consumes file, or no exposes) [USAGE_INVALID]\n`,
        );
        return ERROR_CATALOGUE.USAGE_INVALID.exitCode;
      }
      seen.add(path.resolve(file));
      capabilities.push(result.capability);
      files.push(file);
      warnings.push([file, result.diagnostics.length]);
    }
    if (folder && !found.some((f) => seen.has(path.resolve(f)))) {
      io.stderr(`naftiko: no capability in ${spec} exposes anything to serve [USAGE_INVALID]\n`);
      return ERROR_CATALOGUE.USAGE_INVALID.exitCode;
    }
  }
  return { capabilities, files, warnings };
}

function logRequest(log: Logger, entry: AccessEntry): void {
  log.info('request', `${entry.method} ${entry.route} ${entry.status} ${entry.durationMs} ms`, {
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
  });
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
