/**
 * The total time budget of one upstream exchange (connect, send, headers and body, a digest
 * retry included), combined with the caller's abort signal. A plain timer and listener are used
 * rather than AbortSignal.timeout/any so that both are released as soon as the exchange ends.
 */
export class Deadline {
  readonly signal: AbortSignal;
  #timedOut = false;
  readonly #timer: NodeJS.Timeout;
  readonly #caller: AbortSignal | undefined;
  readonly #onAbort: () => void;

  constructor(ms: number, caller: AbortSignal | undefined) {
    const controller = new AbortController();
    this.signal = controller.signal;
    this.#caller = caller;
    this.#onAbort = () => controller.abort(caller?.reason);
    this.#timer = setTimeout(() => {
      this.#timedOut = true;
      controller.abort(new DOMException('The upstream exchange timed out', 'TimeoutError'));
    }, ms);
    if (caller?.aborted) this.#onAbort();
    else caller?.addEventListener('abort', this.#onAbort, { once: true });
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
    this.#caller?.removeEventListener('abort', this.#onAbort);
  }
}
