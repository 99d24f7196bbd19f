/**
 * The total time budget of one upstream exchange (connect, send, headers and body, a digest
 * retry included), combined with the caller's abort signal. One plain timer per exchange and,
 * only when the caller gave a signal, one listener on it: no AbortController per request (they
 * cost more than the rest of the engine's per-request work together). The exchange in flight
 * registers how to abort itself with `watch`.
 */
export class Deadline {
  #timedOut = false;
  #reason: unknown;
  #abortCurrent: ((reason: unknown) => void) | undefined;
  readonly #timer: NodeJS.Timeout;
  readonly #caller: AbortSignal | undefined;
  readonly #onAbort: (() => void) | undefined;
  readonly #endsAt: number;

  constructor(ms: number, caller: AbortSignal | undefined) {
    this.#caller = caller;
    this.#endsAt = performance.now() + ms;
    this.#timer = setTimeout(() => {
      this.#timedOut = true;
      this.#expire(new DOMException('The upstream exchange timed out', 'TimeoutError'));
    }, ms);
    if (caller !== undefined) {
      this.#onAbort = () => this.#expire(caller.reason);
      if (caller.aborted) this.#onAbort();
      else caller.addEventListener('abort', this.#onAbort, { once: true });
    }
  }

  #expire(reason: unknown): void {
    if (this.#reason !== undefined) return;
    this.#reason = reason ?? new DOMException('The operation was aborted', 'AbortError');
    this.#abortCurrent?.(this.#reason);
  }

  /** Registers the exchange in flight; it is aborted at once when the budget is already spent. */
  watch(abort: (reason: unknown) => void): void {
    this.#abortCurrent = abort;
    if (this.#reason !== undefined) abort(this.#reason);
  }

  /** Milliseconds left in the budget (0 once spent or aborted). */
  remainingMs(): number {
    return this.#reason !== undefined ? 0 : Math.max(0, this.#endsAt - performance.now());
  }

  /**
   * Waits `ms` (a retry's backoff) within the budget: true when the wait ran its course, false
   * when the budget ran out or the caller aborted first.
   */
  sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#abortCurrent = undefined;
        resolve(true);
      }, ms);
      this.watch(() => {
        clearTimeout(timer);
        resolve(false);
      });
    });
  }

  /** True when the budget ran out (and the caller had not aborted first). */
  get timedOut(): boolean {
    return this.#timedOut && this.#caller?.aborted !== true;
  }

  /** The caller's signal, when the caller aborted. */
  get callerAbort(): AbortSignal | undefined {
    return this.#caller?.aborted === true ? this.#caller : undefined;
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#abortCurrent = undefined;
    if (this.#onAbort !== undefined) this.#caller?.removeEventListener('abort', this.#onAbort);
  }
}
