/**
 * One undici connection pool per upstream origin, created on first use and reused for every
 * later request (keep-alive); all closed together by close(). The connect timeout is the pool's;
 * the total timeout is enforced per exchange by a Deadline.
 */
import type { Pool as UndiciPool } from 'undici';
import { Pool } from './undici-parts.js';
import { NaftikoError } from '../../errors.js';

export interface PoolOptions {
  readonly connectTimeoutMs: number;
  readonly totalTimeoutMs: number;
}

export class PoolRegistry {
  readonly #pools = new Map<string, UndiciPool>();
  readonly #options: PoolOptions;
  #closed = false;

  constructor(options: PoolOptions) {
    this.#options = options;
  }

  /** The pool for `scheme://host[:port]`. */
  get(origin: string, label: string): UndiciPool {
    let pool = this.#pools.get(origin);
    if (pool === undefined) {
      if (this.#closed) {
        throw new NaftikoError('UPSTREAM_UNREACHABLE', `${label}: the HTTP client is closed`);
      }
      pool = new Pool(origin, {
        connect: { timeout: this.#options.connectTimeoutMs },
        headersTimeout: this.#options.totalTimeoutMs,
        bodyTimeout: this.#options.totalTimeoutMs,
      });
      this.#pools.set(origin, pool);
    }
    return pool;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((pool) => pool.close()));
  }
}
