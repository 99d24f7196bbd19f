/**
 * A progress line for long runs on a terminal: `validating 312/630 files…`, rewritten in place
 * on stderr, cleared before the results are printed.
 *
 * It shows only when the stream is a TTY and the run has already taken more than a second (a
 * quick run prints nothing extra), and is redrawn at most every 100 ms. Anywhere else (a pipe, a
 * file, CI logs) it writes nothing at all, so machine-read output is never touched.
 */

/** What the progress line needs from a stream: process.stderr fits. */
export interface ProgressStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): unknown;
}

export interface ProgressOptions {
  /** Nothing is shown before this many milliseconds (1000). */
  readonly delayMs?: number;
  /** Minimum milliseconds between two redraws (100). */
  readonly intervalMs?: number;
  /** Clock in milliseconds (performance.now by default; tests pass their own). */
  readonly now?: () => number;
  /** The noun after the counts ("files"). */
  readonly unit?: string;
}

export interface Progress {
  /** `done` of the total are finished. */
  update(done: number): void;
  /** Erases the line if one was drawn; later updates draw nothing. */
  clear(): void;
}

/** Moves to the start of the line and erases it (ECMA-48 EL 2). */
const ERASE_LINE = '\r\u001b[2K';

const SILENT: Progress = { update() {}, clear() {} };

/** Delay from the environment, for tests that need the line at once (`0`). */
function delayFromEnv(): number | undefined {
  const raw = process.env.NAFTIKO_PROGRESS_DELAY_MS;
  if (raw === undefined || !/^\d+$/.test(raw)) return undefined;
  return Number(raw);
}

export function createProgress(
  stream: ProgressStream,
  total: number,
  options: ProgressOptions = {},
): Progress {
  if (stream.isTTY !== true || total <= 0) return SILENT;
  const now = options.now ?? (() => performance.now());
  const delayMs = options.delayMs ?? delayFromEnv() ?? 1000;
  const intervalMs = options.intervalMs ?? 100;
  const unit = options.unit ?? 'files';
  const start = now();
  let drawnAt: number | undefined;
  let stopped = false;
  return {
    update(done) {
      if (stopped) return;
      const at = now();
      if (at - start < delayMs) return;
      if (drawnAt !== undefined && at - drawnAt < intervalMs && done < total) return;
      let line = `validating ${done}/${total} ${unit}\u2026`;
      // Never wider than the terminal: a wrapped line could not be rewritten in place.
      const columns = stream.columns ?? 0;
      if (columns > 1 && line.length > columns - 1) line = line.slice(0, columns - 1);
      stream.write(ERASE_LINE + line);
      drawnAt = at;
    },
    clear() {
      if (stopped) return;
      stopped = true;
      if (drawnAt !== undefined) stream.write(ERASE_LINE);
    },
  };
}
