/**
 * What every exposed adapter is to the `run` command: something that starts listening, says
 * where, and stops (finishing in-flight requests).
 */
export interface RunningAdapter {
  readonly type: string;
  readonly namespace: string;
  /** Where it listens, e.g. http://127.0.0.1:8080 (the real port when 0 was asked). */
  readonly url: string;
  /** Stops accepting connections; in-flight requests get `graceMs`, then connections are cut. */
  stop(graceMs?: number): Promise<void>;
}

import type { HttpLimits } from './http-limits.js';

export interface ListenOptions {
  /** Overrides the adapter's `port` (0: any free port). */
  readonly port?: number;
  /** Overrides the adapter's `address`. */
  readonly address?: string;
  /** Inbound limits (URL length, head size, per-client rate): http-limits.ts defaults if absent. */
  readonly limits?: Partial<HttpLimits> | undefined;
}
