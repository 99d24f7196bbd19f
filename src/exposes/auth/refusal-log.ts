/**
 * `auth.refused` log events, bounded: the first refusal of an adapter from an address in a window
 * (60 s) is logged; later ones in the same window are counted and the count is reported with the
 * next logged refusal from that address (`suppressed`). A global budget per window bounds what
 * many addresses at once can write. The presented credential is never part of an event.
 */
import type { Logger } from '../../logger.js';
import type { RefusalEvent } from './guard.js';

export interface RefusalLogOptions {
  readonly windowMs?: number;
  /** Events logged per window over every address. */
  readonly budget?: number;
  /** Addresses tracked at once (the oldest are forgotten). */
  readonly maxTracked?: number;
  readonly now?: () => number;
}

interface Window {
  start: number;
  suppressed: number;
}

export function createRefusalLog(
  log: Logger,
  options: RefusalLogOptions = {},
): (event: RefusalEvent) => void {
  const windowMs = options.windowMs ?? 60_000;
  const budget = options.budget ?? 200;
  const maxTracked = options.maxTracked ?? 10_000;
  const now = options.now ?? Date.now;
  const windows = new Map<string, Window>();
  let global: Window = { start: 0, suppressed: 0 };
  let spent = 0;

  return (event) => {
    const at = now();
    if (at - global.start >= windowMs) {
      if (global.suppressed > 0) {
        log.warn(
          'auth.refused.suppressed',
          `auth: ${global.suppressed} more refusals were not logged (log budget reached)`,
          { suppressed: global.suppressed },
        );
      }
      global = { start: at, suppressed: 0 };
      spent = 0;
    }
    const key = `${event.adapter}\u0000${event.remoteAddress ?? ''}`;
    const window = windows.get(key);
    if (window !== undefined && at - window.start < windowMs) {
      window.suppressed++;
      return;
    }
    if (spent >= budget) {
      global.suppressed++;
      return;
    }
    spent++;
    const suppressed = window?.suppressed ?? 0;
    windows.delete(key);
    windows.set(key, { start: at, suppressed: 0 });
    if (windows.size > maxTracked) {
      const oldest = windows.keys().next().value;
      if (oldest !== undefined) windows.delete(oldest);
    }
    log.warn('auth.refused', `refused a request to adapter "${event.adapter}": ${event.reason}`, {
      adapter: event.adapter,
      scheme: event.scheme,
      status: event.status,
      reason: event.reason,
      remoteAddress: event.remoteAddress,
      ...(suppressed > 0 ? { suppressed } : {}),
    });
  };
}
