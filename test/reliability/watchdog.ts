/**
 * A hang detector for in-process fuzzing. Validation is synchronous for long stretches, so a
 * timer on the main thread could never fire during a hang; a worker thread watches a shared
 * heartbeat instead and, when it stops moving for `limitMs`, writes what was running (seed and
 * mutation index, for replay) to stderr and kills this test process: vitest then reports the
 * file as failed instead of CI waiting for its job timeout.
 */
import { Worker } from 'node:worker_threads';

export interface Watchdog {
  /** Says what runs now; the watchdog fires if the next beat is `limitMs` away. */
  beat(label: string): void;
  /** Pauses the watch (between tests, while awaiting unbounded work). */
  pause(): void;
  stop(): Promise<void>;
}

const LABEL_BYTES = 512;

const WORKER = `
const { workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const beats = new Int32Array(workerData.beats);
const label = new Uint8Array(workerData.label);
let last = -1;
let since = Date.now();
setInterval(() => {
  const now = Atomics.load(beats, 0);
  if (now !== last) { last = now; since = Date.now(); return; }
  if (now > 0 && Date.now() - since > workerData.limitMs) {
    const end = label.indexOf(0);
    const text = Buffer.from(label.subarray(0, end < 0 ? label.length : end)).toString('utf8');
    writeSync(2, '\\nHANG: no progress for ' + workerData.limitMs + ' ms while running ' + text + '\\n');
    process.kill(process.pid, 'SIGKILL');
  }
}, 100);
`;

export function startWatchdog(limitMs: number): Watchdog {
  const beats = new Int32Array(new SharedArrayBuffer(4));
  const label = new Uint8Array(new SharedArrayBuffer(LABEL_BYTES));
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: { beats: beats.buffer, label: label.buffer, limitMs },
  });
  worker.unref();
  let count = 0;
  return {
    beat(text) {
      const bytes = Buffer.from(text, 'utf8').subarray(0, LABEL_BYTES - 1);
      label.fill(0);
      label.set(bytes);
      count = count === 0x7fffffff ? 1 : count + 1;
      Atomics.store(beats, 0, count);
    },
    pause() {
      Atomics.store(beats, 0, 0);
    },
    async stop() {
      Atomics.store(beats, 0, 0);
      await worker.terminate();
    },
  };
}
