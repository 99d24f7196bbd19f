/**
 * What `naftiko run` serves, capability by capability, and the reload of one capability
 * (`--watch`). A reload validates the new version first: an invalid one is logged
 * (`capability.reload_failed`, with each diagnostic's file:line:col) and the old version keeps
 * serving. A valid one gets a new runtime; each adapter whose type, address and port are unchanged
 * keeps its socket and hands new requests to its new build (in-flight requests finish on the old
 * build and the old runtime, closed once they have); an adapter whose address or port changed is
 * restarted alone (on a new port or an address that cannot collide with the old one, the new socket
 * opens before the old one closes; on the same port of an overlapping address, the old socket
 * closes first, and if the new one then cannot listen the adapter is reported stopped, so that
 * readiness is not UP); added and removed adapters are started and stopped. Anything that fails
 * before the switch (an override naming no namespace, a clash, a binding without a value, a lock
 * that cannot be enforced, a port in use) leaves the old version serving. Once the engine is
 * stopping, a reload that has not switched yet gives up.
 */
import type { Runtime } from '../engine/runtime.js';
import { toNaftikoError } from '../errors.js';
import type { RunningAdapter } from '../exposes/adapter.js';
import type { InboundAuthenticator } from '../exposes/auth/inbound-auth.js';
import type { AdapterState } from '../exposes/control/adapter-states.js';
import type { Logger } from '../logger.js';
import { compareDiagnostics, hasErrors } from '../spec/diagnostics.js';
import type { Diagnostic } from '../spec/diagnostics.js';
import type { ExposesAdapter } from '../spec/types.js';
import { createValidator } from '../spec/validate.js';
import type { LoadedCapability } from '../spec/validate.js';
import { findClash, overlap, plannedListener, unknownNamespaces } from './run-options.js';
import type { PlannedListener } from './run-options.js';
import { replaceAdapter, startAdapter } from './start-adapter.js';
import type { StartContext } from './start-adapter.js';

export interface ServedAdapter {
  readonly spec: ExposesAdapter;
  readonly listener: PlannedListener;
  running: RunningAdapter | undefined;
  state: AdapterState;
}

export interface ServedCapability {
  /** The path as given (or found in a folder). */
  readonly file: string;
  capability: LoadedCapability;
  runtime: Runtime;
  adapters: ServedAdapter[];
  /**
   * Runtimes of previous versions still serving (an adapter that could not be replaced keeps its
   * previous build): closed after the next reload that replaces everything, or on shutdown.
   */
  retained: Runtime[];
}

/** What a reload needs from `naftiko run`. */
export interface Serving {
  readonly served: readonly ServedCapability[];
  readonly ports: ReadonlyMap<string, number>;
  readonly addresses: ReadonlyMap<string, string>;
  readonly baseUris: ReadonlyMap<string, string>;
  readonly graceMs: number;
  log(): Logger;
  /** True once the engine is shutting down: a reload that has not switched yet gives up. */
  stopping(): boolean;
  /** A runtime for a capability (bindings resolved now: may throw BINDING_UNRESOLVED). */
  createRuntime(capability: LoadedCapability): Runtime;
  /** Closes a runtime created by `createRuntime` (its secrets are no longer redacted). */
  closeRuntime(runtime: Runtime): Promise<void>;
  prepareAuth(adapter: ExposesAdapter, runtime: Runtime): Promise<InboundAuthenticator | undefined>;
  startContext(listener: PlannedListener, authenticator?: InboundAuthenticator): StartContext;
  /** The states changed (the control adapter reads them). */
  refreshStates(): void;
}

export function servedAdapter(file: string, spec: ExposesAdapter, serving: Serving): ServedAdapter {
  const listener = plannedListener(file, spec, serving.ports, serving.addresses);
  return {
    spec,
    listener,
    running: undefined,
    state: {
      type: spec.type,
      ...('namespace' in spec ? { namespace: spec.namespace } : {}),
      ...(spec.port !== undefined ? { port: spec.port } : {}),
      state: 'starting',
    },
  };
}

type Change =
  | { kind: 'replace'; old: ServedAdapter; next: ServedAdapter }
  | { kind: 'restart'; old: ServedAdapter; next: ServedAdapter }
  | { kind: 'start'; next: ServedAdapter }
  | { kind: 'stop'; old: ServedAdapter };

/** What a reload did. */
export interface ReloadOutcome {
  /** The new version serves (it switched). */
  readonly reloaded: boolean;
  /**
   * Resolves once the previous version has let go (its in-flight requests finished, bounded by
   * the grace): a later reload of the same capability waits for it, other capabilities do not.
   */
  readonly settled: Promise<void>;
}

/** Reloads one capability from its file; never throws (failures are logged). */
export async function reloadCapability(
  serving: Serving,
  target: ServedCapability,
): Promise<ReloadOutcome> {
  const log = () => serving.log();
  const began = performance.now();
  const notReloaded: ReloadOutcome = { reloaded: false, settled: Promise.resolve() };
  const failed = (reason: string, fields: Record<string, unknown> = {}): ReloadOutcome => {
    log().warn(
      'capability.reload_failed',
      `${target.file}: not reloaded, the previous version keeps serving: ${reason}`,
      { file: target.file, ...fields },
    );
    return notReloaded;
  };
  const cancelled = (): ReloadOutcome => {
    log().info(
      'capability.reload_cancelled',
      `${target.file}: not reloaded, the engine is stopping`,
      {
        file: target.file,
      },
    );
    return notReloaded;
  };
  const result = await createValidator().validateFile(target.file);
  if (result.capability === undefined || hasErrors(result.diagnostics)) {
    const errors = [...result.diagnostics]
      .filter((d) => d.severity === 'error')
      .sort(compareDiagnostics);
    return failed(
      errors.slice(0, 5).map(position).join('; ') + (errors.length > 5 ? '; ...' : ''),
      {
        diagnostics: errors.map((d) => ({
          file: d.file,
          line: d.line,
          column: d.column,
          rule: d.rule,
          message: d.message,
        })),
      },
    );
  }
  if (serving.stopping()) return cancelled();
  const validatedMs = performance.now() - began;
  const capability = result.capability;
  const specs = capability.doc.capability?.exposes ?? [];
  if (specs.length === 0) return failed('it exposes nothing to serve');
  // The overrides checked at startup still name a namespace of what would serve: an edit that
  // renames one would otherwise silently drop a --base-uri (production traffic) or a --port.
  const unknown = unknownNamespaces(
    [...serving.served.filter((s) => s !== target).map((s) => s.capability), capability],
    serving.baseUris,
    serving.ports,
    serving.addresses,
  );
  if (unknown !== undefined) return failed(`${unknown} [USAGE_INVALID]`);
  const nextAdapters = specs.map((spec) => servedAdapter(target.file, spec, serving));
  const others = serving.served.filter((s) => s !== target).flatMap((s) => s.adapters);
  const clash = findClash([...others, ...nextAdapters].map((a) => a.listener));
  if (clash !== undefined) return failed(clash);

  let runtime: Runtime;
  try {
    runtime = serving.createRuntime(capability);
  } catch (err) {
    return failed(`${toNaftikoError(err).message} [${toNaftikoError(err).code}]`);
  }
  const locks = new Map<ServedAdapter, InboundAuthenticator | undefined>();
  try {
    for (const next of nextAdapters) locks.set(next, await serving.prepareAuth(next.spec, runtime));
  } catch (err) {
    await closeAll(serving, runtime, locks);
    return failed(`${toNaftikoError(err).message} [${toNaftikoError(err).code}]`);
  }

  const changes = diff(target.adapters, nextAdapters);
  // Adapters that start (new ones, and those that move to another port or to an address that
  // cannot collide with the old one) start first: if one cannot, nothing else has changed yet.
  const started: ServedAdapter[] = [];
  const starting = changes.filter(
    (c): c is Extract<Change, { next: ServedAdapter }> =>
      c.kind === 'start' || (c.kind === 'restart' && startsFirst(c.old, c.next)),
  );
  const firstStarts = [...target.adapters];
  const undo = async () => {
    await Promise.allSettled(started.map((a) => a.running?.stop(serving.graceMs)));
    target.adapters = target.adapters.filter((a) => !nextAdapters.includes(a));
    serving.refreshStates();
    await closeAll(serving, runtime, locks);
  };
  try {
    for (const change of starting) {
      if (serving.stopping()) break;
      firstStarts.push(change.next);
      target.adapters = firstStarts;
      serving.refreshStates();
      await start(serving, change.next, runtime, locks.get(change.next));
      started.push(change.next);
    }
  } catch (err) {
    await undo();
    return failed(`${toNaftikoError(err).message} [${toNaftikoError(err).code}]`);
  }
  if (serving.stopping()) {
    await undo();
    return cancelled();
  }

  // The switch: from here on the new version serves.
  const previous = { capability: target.capability, runtime: target.runtime };
  const retained = target.retained;
  target.capability = capability;
  target.runtime = runtime;
  target.adapters = nextAdapters;
  target.retained = [];
  serving.refreshStates();
  const done: string[] = [];
  const work: Promise<void>[] = [];
  let keepPrevious = false;
  for (const change of changes) {
    if (change.kind === 'replace') {
      change.next.running = change.old.running;
      change.next.state = { ...change.next.state, state: 'started', url: change.old.state.url };
      work.push(
        replaceAdapter(
          change.old.running!,
          change.next.spec,
          runtime,
          serving.startContext(change.next.listener, locks.get(change.next)),
          serving.graceMs,
        ).then(
          () => void done.push(`replaced ${label(change.next)}`),
          async (err: unknown) => {
            // Its previous build keeps serving, on the previous runtime: that stays open.
            keepPrevious = true;
            await locks.get(change.next)?.close?.();
            log().error(
              'capability.reload_failed',
              `${target.file}: ${label(change.next)} could not be replaced, its previous version keeps serving: ${toNaftikoError(err).message}`,
              { file: target.file, namespace: change.next.listener.namespace },
            );
          },
        ),
      );
    } else if (change.kind === 'stop') {
      work.push(
        stopOld(serving, change.old).then(() => void done.push(`stopped ${label(change.old)}`)),
      );
    } else if (change.kind === 'restart') {
      if (!startsFirst(change.old, change.next)) {
        // Same port, an overlapping address: the old socket must go first.
        work.push(restartInPlace(serving, target, change.old, change.next, runtime, locks, done));
      } else {
        work.push(
          stopOld(serving, change.old).then(
            () =>
              void done.push(
                `restarted ${label(change.next)}: ${change.old.state.url} → ${change.next.state.url}`,
              ),
          ),
        );
      }
    } else {
      done.push(`started ${label(change.next)} on ${change.next.state.url}`);
    }
  }
  const settled = (async () => {
    await Promise.all(work);
    serving.refreshStates();
    // Every request of the previous version has finished (or its grace ran out).
    if (keepPrevious) {
      target.retained.push(...retained, previous.runtime);
    } else {
      await Promise.all([previous.runtime, ...retained].map((r) => serving.closeRuntime(r)));
    }
    log().info(
      'capability.reloaded',
      `${target.file} reloaded: ${done.join('; ') || 'no adapter changed'}`,
      {
        file: target.file,
        changes: done,
        validatedMs: Math.round(validatedMs),
        ms: Math.round(performance.now() - began),
      },
    );
  })();
  return { reloaded: true, settled };
}

/**
 * Same port, an overlapping address: stops the old socket, then listens on the new address. If it
 * cannot, the adapter stays listed as stopped (readiness is not UP) until a later edit starts it.
 */
async function restartInPlace(
  serving: Serving,
  target: ServedCapability,
  old: ServedAdapter,
  next: ServedAdapter,
  runtime: Runtime,
  locks: ReadonlyMap<ServedAdapter, InboundAuthenticator | undefined>,
  done: string[],
): Promise<void> {
  await stopOld(serving, old);
  if (serving.stopping()) {
    next.state = { ...next.state, state: 'stopped' };
    await locks.get(next)?.close?.();
    serving.refreshStates();
    return;
  }
  try {
    await start(serving, next, runtime, locks.get(next));
    done.push(`restarted ${label(next)} on ${next.state.url}`);
  } catch (err) {
    const reason = `could not listen on ${next.listener.address}:${next.listener.port}: ${toNaftikoError(err).message}`;
    next.running = undefined;
    next.state = { ...next.state, state: 'stopped', reason };
    await locks.get(next)?.close?.();
    serving.refreshStates();
    serving.log().error('capability.reload_failed', `${target.file}: ${label(next)} ${reason}`, {
      file: target.file,
      namespace: next.listener.namespace,
    });
  }
}

/** file:line:col rule message, as `validate` prints a diagnostic. */
function position(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.column} ${d.rule} ${d.message}`;
}

function label(a: ServedAdapter): string {
  return `${a.spec.type} adapter "${a.listener.namespace}"`;
}

/**
 * Whether a restarted adapter's new socket can open before the old one closes: another port (or
 * port 0), or an address that cannot collide with the old one (findClash's test).
 */
function startsFirst(old: ServedAdapter, next: ServedAdapter): boolean {
  const samePort = old.listener.port === next.listener.port && old.listener.port !== 0;
  return !samePort || !overlap(old.listener.address, next.listener.address);
}

function diff(olds: readonly ServedAdapter[], nexts: readonly ServedAdapter[]): Change[] {
  const changes: Change[] = [];
  const byName = new Map(olds.map((a) => [`${a.spec.type} ${a.listener.namespace}`, a]));
  for (const next of nexts) {
    const key = `${next.spec.type} ${next.listener.namespace}`;
    const old = byName.get(key);
    byName.delete(key);
    if (old === undefined || old.running === undefined) {
      changes.push({ kind: 'start', next });
      continue;
    }
    const same =
      old.listener.port === next.listener.port &&
      old.listener.address === next.listener.address &&
      old.running.replace !== undefined;
    changes.push({ kind: same ? 'replace' : 'restart', old, next });
  }
  for (const old of byName.values()) changes.push({ kind: 'stop', old });
  return changes;
}

async function start(
  serving: Serving,
  adapter: ServedAdapter,
  runtime: Runtime,
  authenticator: InboundAuthenticator | undefined,
): Promise<void> {
  const outcome = await startAdapter(
    adapter.spec,
    runtime,
    serving.startContext(adapter.listener, authenticator),
  );
  if ('skipped' in outcome) {
    adapter.state = { ...adapter.state, state: 'skipped', reason: outcome.skipped };
  } else {
    adapter.running = outcome.running;
    adapter.state = { ...adapter.state, state: 'started', url: outcome.running.url };
    serving
      .log()
      .info(
        'adapter.listening',
        `${outcome.running.type} adapter "${outcome.running.namespace}" listening on ${outcome.running.url}${authenticator !== undefined ? ` (${authenticator.scheme} authentication)` : ''}`,
        {
          type: outcome.running.type,
          namespace: outcome.running.namespace,
          url: outcome.running.url,
          ...(authenticator !== undefined ? { authentication: authenticator.scheme } : {}),
        },
      );
  }
  serving.refreshStates();
}

async function stopOld(serving: Serving, adapter: ServedAdapter): Promise<void> {
  await adapter.running?.stop(serving.graceMs).catch(() => {});
  serving
    .log()
    .info('adapter.stopped', `${label(adapter)} stopped listening on ${adapter.state.url ?? '-'}`, {
      type: adapter.spec.type,
      namespace: adapter.listener.namespace,
    });
}

async function closeAll(
  serving: Serving,
  runtime: Runtime,
  locks: ReadonlyMap<ServedAdapter, InboundAuthenticator | undefined>,
): Promise<void> {
  await Promise.allSettled([...locks.values()].map((a) => a?.close?.()));
  await serving.closeRuntime(runtime);
}
