/**
 * The IPC channel between the primary of `naftiko run --workers N` and its workers (issue 14):
 * the ready message, and one way for a worker to ask its primary something and wait for the
 * answer (a reload turn, the merged metrics). A question is `{ <key>: id }`; the primary answers
 * `{ naftikoReply: id, ... }` (`answerWorker`). One 'message' listener serves every question in
 * flight.
 *
 * A leaf: imports no layer (observability/cluster-metrics.ts and the CLI both use it).
 */
import type { Worker } from 'node:cluster';

/** What a worker sends its primary once its adapters listen. */
export const WORKER_READY = 'naftiko.worker.ready';

/** Whether this process is a worker of `--workers` with a channel to its primary. */
export function isClusterWorker(): boolean {
  return process.env['NAFTIKO_WORKER'] === '1' && typeof process.send === 'function';
}

type Reply = Record<string, unknown>;

let nextQuestion = 0;
/** The questions waiting for their answer, by id. */
const waiting = new Map<number, (reply: Reply | undefined) => void>();

function onReply(message: unknown): void {
  const id = (message as { naftikoReply?: unknown } | null)?.naftikoReply;
  if (typeof id === 'number') waiting.get(id)?.(message as Reply);
}

/**
 * Sends `{ [key]: id }` to the primary and resolves with its answer, or undefined when none came
 * within `timeoutMs` (the timer does not keep the process alive).
 */
export function askPrimary(key: string, timeoutMs: number): Promise<Reply | undefined> {
  const id = nextQuestion++;
  if (waiting.size === 0) process.on('message', onReply);
  return new Promise((resolve) => {
    const timer = setTimeout(() => done(undefined), timeoutMs);
    timer.unref();
    const done = (reply: Reply | undefined) => {
      clearTimeout(timer);
      waiting.delete(id);
      if (waiting.size === 0) process.off('message', onReply);
      resolve(reply);
    };
    waiting.set(id, done);
    process.send?.({ [key]: id });
  });
}

/** The primary's answer to a worker's question `id` (nothing if the worker has gone). */
export function answerWorker(worker: Worker, id: number, payload: Reply = {}): void {
  if (worker.isConnected()) worker.send({ ...payload, naftikoReply: id });
}
