/**
 * `notifications/progress` for one `tools/call` whose request carried a `progressToken` (MCP
 * 2025-11-25 and 2026-07-28, utilities/progress): the values strictly increase, never two equal
 * in a row, and the last one equals its `total`.
 *
 * - An orchestrated tool (`steps`): `0/N` when its first step starts, `k/N` when step k ended
 *   (message: the step's name); a call that stops early ends with `N/N`.
 * - Any other tool (one upstream call, or none): `0` when its exchange starts, then the bytes of
 *   the upstream body as they arrive (`total` = content-length + 1 when announced: the last unit
 *   is the end of the call, so a body fully received is not yet 100%), and a final value above
 *   every earlier one when the call ends (`total` = that value).
 *
 * Bytes are reported on the first chunk of each exchange, on the last one (content-length
 * reached), and otherwise only when they grew by at least 64 KiB and by 5% of the announced length
 * (a quarter of what was already reported when it is unknown): a large body gives tens of
 * notifications, not one per socket read. Which kind of tool it is shows from the first event
 * (a step or an exchange), so the initial `0` waits for it.
 */
import type { CallEvents } from '../../observability/request-context.js';

export type ProgressToken = string | number;

export interface CallReporter {
  readonly events: CallEvents;
  start(): void;
  end(isError: boolean): void;
}

/** Least growth between two bytes notifications of one body. */
const MIN_BYTES_STEP = 64 * 1024;

export function progressReporter(
  progressToken: ProgressToken,
  notify: (params: Record<string, unknown>) => void,
  redact: (text: string) => string,
): CallReporter {
  let mode: 'unknown' | 'single' | 'steps' = 'unknown';
  /** Last progress value sent (-1: none yet). */
  let last = -1;
  /** `total` of the last notification sent. */
  let lastTotal: number | undefined;
  /** Bytes of the current exchange last reported (-1: none yet). */
  let reportedBytes = -1;

  const send = (progress: number, total?: number, message?: string): void => {
    if (progress <= last) return;
    last = progress;
    lastTotal = total;
    notify({
      progressToken,
      progress,
      ...(total !== undefined ? { total } : {}),
      ...(message !== undefined ? { message: redact(message) } : {}),
    });
  };

  const events: CallEvents = {
    stepStart(index, total) {
      mode = 'steps';
      if (index === 0) send(0, total);
    },
    stepEnd(index, total, name) {
      send(index + 1, total, name);
    },
    exchangeStart() {
      reportedBytes = -1;
      if (mode !== 'unknown') return;
      mode = 'single';
      send(0);
    },
    bytes(received, length) {
      if (mode !== 'single' || received <= reportedBytes) return;
      const complete = length !== undefined && received >= length;
      if (reportedBytes >= 0 && !complete) {
        const proportional = length !== undefined ? length / 20 : reportedBytes / 4;
        if (received - reportedBytes < Math.max(MIN_BYTES_STEP, proportional)) return;
      }
      reportedBytes = received;
      // One unit more than the body: the call's end (a body over its announced length: no total).
      const total = length !== undefined && received <= length ? length + 1 : undefined;
      const message =
        length !== undefined
          ? `received ${received} of ${length} bytes`
          : `received ${received} bytes`;
      send(received, total, message);
    },
  };

  return {
    events,
    start() {
      // The initial 0 waits for the first step or exchange (it tells the total of steps).
    },
    end() {
      if (mode === 'steps') {
        if (lastTotal !== undefined && last < lastTotal) send(lastTotal, lastTotal);
        return;
      }
      // No step, no exchange (a mock tool, refused arguments): 0 then the end.
      if (last < 0) send(0);
      const final = Math.max(last + 1, lastTotal ?? 0);
      send(final, final);
    },
  };
}
