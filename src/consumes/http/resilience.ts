/**
 * What keeps one flaky or dead upstream from becoming everybody's outage (issue 11), per upstream
 * origin of a consumes namespace:
 *
 * - **Retries** (`retryDelay`): only for idempotent methods (GET, HEAD, OPTIONS, PUT, DELETE;
 *   never POST or PATCH), only after a connect failure, a reset before any response byte, or a
 *   502/503/504/429 answer; at most `maxRetries` (2) more attempts; exponential backoff with full
 *   jitter (a random wait up to 100 ms · 2^attempt, capped at 2 s), or the answer's `Retry-After`
 *   when longer; never past the exchange's total deadline (then the last answer or failure
 *   stands).
 * - **A retry budget** (`RetryBudget`): retries stay within 10% of the requests sent to the
 *   origin over the last 10 seconds, plus 10 per window so a quiet upstream's failures can
 *   still be retried: a dead upstream under load sees at most ~1.1× its traffic, not 3×.
 * - **A circuit breaker** (`CircuitBreaker`): after 5 consecutive failures (connect errors,
 *   timeouts, 5xx answers) the circuit opens for 10 s: calls fail at once with 503
 *   `UPSTREAM_CIRCUIT_OPEN` and `Retry-After`; then one probe is let through (half-open) — its
 *   success closes the circuit, its failure opens it again. Every change is reported.
 */
import { NaftikoError } from '../../errors.js';

export interface ResilienceOptions {
  /** Retries after the first attempt (0 turns retries off). */
  readonly maxRetries: number;
  /** Consecutive failures that open the circuit (0 turns the breaker off). */
  readonly breakerThreshold: number;
  /** How long an open circuit refuses calls before a probe, in ms. */
  readonly breakerCooldownMs: number;
}

/** The largest upstream response body read by default (32 MiB); larger is UPSTREAM_TOO_LARGE. */
export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;

export const DEFAULT_RESILIENCE: ResilienceOptions = {
  maxRetries: 2,
  breakerThreshold: 5,
  breakerCooldownMs: 10_000,
};

export type CircuitState = 'closed' | 'open' | 'half-open';

/** A circuit state change, for the log and metrics. */
export interface CircuitEvent {
  readonly origin: string;
  readonly namespace: string;
  readonly state: CircuitState;
  readonly failures: number;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
const RETRY_STATUSES = new Set([429, 502, 503, 504]);
const BACKOFF_BASE_MS = 100;
const BACKOFF_CAP_MS = 2_000;

export function isIdempotent(method: string): boolean {
  return IDEMPOTENT.has(method);
}

export function isRetryableStatus(status: number): boolean {
  return RETRY_STATUSES.has(status);
}

/**
 * The wait before retry number `attempt` (1-based): full jitter over the exponential backoff, or
 * the answer's `Retry-After` (seconds or an HTTP date) when that is longer.
 */
export function retryDelay(
  attempt: number,
  retryAfter: string | undefined,
  now = Date.now(),
): number {
  const jitter = Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1));
  const asked = retryAfterMs(retryAfter, now);
  return asked !== undefined && asked > jitter ? asked : jitter;
}

/** `Retry-After` in ms: delta-seconds or an HTTP date (RFC 9110 §10.2.3); undefined if unreadable. */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Requests and retries to one origin over a sliding window of 10 one-second buckets. */
export class RetryBudget {
  static readonly RATIO = 0.1;
  static readonly MIN_PER_WINDOW = 10;
  readonly #requests = new Float64Array(10);
  readonly #retries = new Float64Array(10);
  #second = 0;

  #rotate(now: number): number {
    const second = Math.floor(now / 1000);
    const gap = second - this.#second;
    if (gap > 0) {
      for (let s = Math.max(this.#second + 1, second - 9); s <= second; s++) {
        this.#requests[s % 10] = 0;
        this.#retries[s % 10] = 0;
      }
      this.#second = second;
    }
    return second % 10;
  }

  /** One first attempt. */
  request(now = Date.now()): void {
    const i = this.#rotate(now);
    this.#requests[i] = (this.#requests[i] as number) + 1;
  }

  /** Takes one retry from the budget; false when the window has none left. */
  tryRetry(now = Date.now()): boolean {
    const i = this.#rotate(now);
    let requests = 0;
    let retries = 0;
    for (let k = 0; k < 10; k++) {
      requests += this.#requests[k] as number;
      retries += this.#retries[k] as number;
    }
    if (retries + 1 > requests * RetryBudget.RATIO + RetryBudget.MIN_PER_WINDOW) return false;
    this.#retries[i] = (this.#retries[i] as number) + 1;
    return true;
  }
}

/** Consecutive-failure circuit breaker of one origin. */
export class CircuitBreaker {
  #state: CircuitState = 'closed';
  #failures = 0;
  #openedAt = 0;
  #probing = false;

  constructor(
    private readonly origin: string,
    private readonly namespace: string,
    private readonly options: ResilienceOptions,
    private readonly onChange: ((event: CircuitEvent) => void) | undefined,
  ) {}

  get state(): CircuitState {
    return this.#state;
  }

  /**
   * Before a call: throws 503 UPSTREAM_CIRCUIT_OPEN while open (or while the half-open probe is
   * in flight); lets the probe through once the cooldown is over.
   */
  admit(label: string, now = Date.now()): void {
    if (this.options.breakerThreshold <= 0 || this.#state === 'closed') return;
    const remaining = this.#openedAt + this.options.breakerCooldownMs - now;
    if (this.#state === 'open' && remaining <= 0) {
      this.#change('half-open');
    }
    if (this.#state === 'half-open' && !this.#probing) {
      this.#probing = true;
      return;
    }
    const retryAfter = Math.max(1, Math.ceil(Math.max(remaining, 0) / 1000));
    throw new NaftikoError(
      'UPSTREAM_CIRCUIT_OPEN',
      `${label}: the upstream failed ${this.#failures} times in a row; calls are refused for now`,
      { details: { operation: label, retryAfterSeconds: retryAfter } },
    );
  }

  /** An attempt that says nothing about the upstream's health (aborted, too large...). */
  release(): void {
    this.#probing = false;
  }

  success(): void {
    this.#probing = false;
    const was = this.#state;
    this.#failures = 0;
    if (was !== 'closed') this.#change('closed');
  }

  failure(now = Date.now()): void {
    this.#probing = false;
    this.#failures++;
    if (this.options.breakerThreshold <= 0) return;
    if (this.#state === 'half-open' || this.#failures >= this.options.breakerThreshold) {
      this.#openedAt = now;
      if (this.#state !== 'open') this.#change('open');
    }
  }

  #change(state: CircuitState): void {
    this.#state = state;
    this.onChange?.({
      origin: this.origin,
      namespace: this.namespace,
      state,
      failures: this.#failures,
    });
  }
}
