/**
 * One upstream origin of a consumes namespace: its undici connection pool (created on first use,
 * reused for every later request: keep-alive), its circuit breaker and retry budget
 * (resilience.ts), and the limit on response bodies. All closed together by close(). The connect
 * timeout is the pool's; the total timeout is enforced per exchange by a Deadline.
 */
import type { Pool as UndiciPool } from 'undici';
import { Pool } from './undici-parts.js';
import { NaftikoError } from '../../errors.js';
import {
  CircuitBreaker,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_RESILIENCE,
  RetryBudget,
} from './resilience.js';
import type { CircuitEvent, ResilienceOptions } from './resilience.js';

export interface PoolOptions {
  readonly connectTimeoutMs: number;
  readonly totalTimeoutMs: number;
  /** Largest upstream response body read, in bytes (32 MiB by default). */
  readonly maxBodyBytes?: number;
  readonly resilience?: ResilienceOptions;
  /** Circuit state changes (for the log and metrics). */
  readonly onCircuit?: (event: CircuitEvent) => void;
}

export { DEFAULT_MAX_BODY_BYTES };

/** What an exchange needs of its origin. */
export interface OriginClient {
  readonly pool: UndiciPool;
  /** `scheme://host[:port]` as URL.origin writes it (default port dropped, host lower-cased). */
  readonly origin: string;
  readonly breaker: CircuitBreaker;
  readonly budget: RetryBudget;
  readonly maxRetries: number;
  readonly maxBodyBytes: number;
}

export class PoolRegistry {
  readonly #origins = new Map<string, OriginClient>();
  readonly #options: PoolOptions;
  readonly #namespace: string;
  #closed = false;

  constructor(options: PoolOptions, namespace = '') {
    this.#options = options;
    this.#namespace = namespace;
  }

  /** The client of `scheme://host[:port]`. */
  get(origin: string, label: string): OriginClient {
    let client = this.#origins.get(origin);
    if (client === undefined) {
      if (this.#closed) {
        throw new NaftikoError('UPSTREAM_UNREACHABLE', `${label}: the HTTP client is closed`);
      }
      const options = this.#options;
      const resilience = options.resilience ?? DEFAULT_RESILIENCE;
      const normalized = new URL(origin).origin;
      client = {
        pool: new Pool(origin, {
          connect: { timeout: options.connectTimeoutMs },
          headersTimeout: options.totalTimeoutMs,
          bodyTimeout: options.totalTimeoutMs,
        }),
        origin: normalized,
        breaker: new CircuitBreaker(normalized, this.#namespace, resilience, options.onCircuit),
        budget: new RetryBudget(),
        maxRetries: resilience.maxRetries,
        maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      };
      this.#origins.set(origin, client);
    }
    return client;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const clients = [...this.#origins.values()];
    this.#origins.clear();
    await Promise.all(clients.map((client) => client.pool.close()));
  }
}
