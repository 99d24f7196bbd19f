/**
 * The state of every adapter of a running capability, as the control adapter reports it: kept by
 * `naftiko run` as adapters start, are skipped and stop, and read by `/health/ready` and
 * `/status`.
 */
export type AdapterStateName = 'starting' | 'started' | 'skipped' | 'stopping' | 'stopped';

export interface AdapterState {
  readonly type: string;
  /** Absent for the control adapter, which has no namespace. */
  readonly namespace?: string;
  readonly port?: number;
  /** Where it listens, once started. */
  readonly url?: string;
  readonly state: AdapterStateName;
  /** Why it was skipped. */
  readonly reason?: string;
}

/** A live view of the states (the control adapter reads it on each request). */
export type AdapterStates = () => readonly AdapterState[];

/** Ready: every adapter but the control adapters has started. */
export function isReady(states: readonly AdapterState[]): boolean {
  return states.every((s) => s.type === 'control' || s.state === 'started');
}
