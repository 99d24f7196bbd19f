/**
 * What every exposed adapter is to the `run` command: something that starts listening, says
 * where, and stops (finishing in-flight requests). An HTTP adapter can also be replaced in place
 * (`naftiko run --watch`): a new build of it takes over its listening socket.
 */
import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../engine/runtime.js';
import type { ExposesAdapter } from '../spec/types.js';
import { stopGracefully } from './graceful-stop.js';
import { handOver } from './http-limits.js';
import type { HttpLimits } from './http-limits.js';

export interface RunningAdapter {
  readonly type: string;
  readonly namespace: string;
  /** Where it listens, e.g. http://127.0.0.1:8080 (the real port when 0 was asked). */
  readonly url: string;
  /** Stops accepting connections; in-flight requests get `graceMs`, then connections are cut. */
  stop(graceMs?: number): Promise<void>;
  /**
   * Serves a new version of the adapter (its spec, runtime and options; its address and port are
   * kept) on the same socket: new requests go to it at once, those in progress finish on the old
   * version. Resolves once they have (at most `graceMs`) and the old version is let go. Absent
   * for adapters that cannot be replaced in place (MCP over stdio).
   */
  replace?(
    adapter: ExposesAdapter,
    runtime: Runtime,
    options: object,
    graceMs?: number,
  ): Promise<void>;
}

export interface ListenOptions {
  /** Overrides the adapter's `port` (0: any free port). */
  readonly port?: number;
  /** Overrides the adapter's `address`. */
  readonly address?: string;
  /** Inbound limits (URL length, head size, per-client rate): http-limits.ts defaults if absent. */
  readonly limits?: Partial<HttpLimits> | undefined;
}

/** One build of an HTTP adapter: its app and what it holds beyond its requests. */
export interface AppGeneration {
  readonly app: FastifyInstance;
  /**
   * Lets go of what the build holds beyond requests (MCP sessions), once it is no longer handed
   * requests; the app itself is closed by the caller. `graceMs` bounds any wait.
   */
  readonly retire?: (graceMs: number) => Promise<void>;
}

/**
 * Gives a started adapter `replace`: `build` makes a new generation (an app that never listens);
 * the first generation's server keeps listening and hands its requests to the newest one
 * (http-limits.ts `handOver`). `stop` then stops the newest generation and the socket.
 */
export function replaceable<R extends RunningAdapter>(
  running: R,
  first: AppGeneration,
  build: (adapter: ExposesAdapter, runtime: Runtime, options: object) => Promise<AppGeneration>,
): R {
  let current = first;
  // Replacements are applied one after the other.
  let queue: Promise<unknown> = Promise.resolve();
  const stop = running.stop.bind(running);
  return Object.assign(running, {
    replace(adapter: ExposesAdapter, runtime: Runtime, options: object, graceMs = 10_000) {
      const step = queue.then(async () => {
        const next = await build(adapter, runtime, options);
        try {
          await next.app.ready();
        } catch (err) {
          await next.app.close();
          throw err;
        }
        const previous = current;
        current = next;
        await handOver(first.app.server, next.app.server, graceMs);
        await previous.retire?.(graceMs);
        // The first generation's app owns the socket: it is closed by `stop`.
        if (previous !== first) await previous.app.close();
      });
      queue = step.catch(() => {});
      return step;
    },
    async stop(graceMs = 10_000) {
      await queue;
      if (current === first) return stop(graceMs);
      await current.retire?.(graceMs);
      await Promise.all([stopGracefully(current.app, graceMs), stop(graceMs)]);
    },
  });
}
