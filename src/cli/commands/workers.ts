/**
 * `naftiko run --workers N` (issue 14): a primary process that forks N workers with
 * `node:cluster`, each running the same `naftiko run` and serving every adapter of the
 * capability on the shared ports (the primary accepts connections and hands them out). The
 * primary serves nothing itself:
 *
 * - a worker that fails before it is ready (an invalid capability, a port in use) stops all of
 *   them, with its exit code: nothing would run better on a second try;
 * - a worker that dies after that is replaced, at most 5 times in 30 s (then the primary stops,
 *   exit 1: something is wrong with the machine or the capability);
 * - SIGTERM (or SIGINT) is passed on to every worker, which drain as a single process does; the
 *   primary exits 0 once they have all exited;
 * - with `--watch`, every worker watches the files and reloads itself, one worker at a time: the
 *   primary hands out the one reload turn (worker-reload.ts);
 * - a scrape of `/metrics` on any worker answers for all of them: the primary collects and merges
 *   the workers' metrics (observability/cluster-metrics.ts).
 */
import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import { handleScrapeRequest } from '../../observability/cluster-metrics.js';
import { WORKER_READY, answerWorker } from '../../observability/worker-channel.js';
import type { CliIo } from '../program.js';

/** `auto` = the cores this process may use; else a positive integer. */
export function parseWorkers(value: string): number | undefined {
  if (value === 'auto') return availableParallelism();
  const n = Number(value);
  return Number.isInteger(n) && n >= 1 && n <= 256 ? n : undefined;
}

const RESTART_WINDOW_MS = 30_000;
const MAX_RESTARTS = 5;
/** How long the workers get to drain after SIGTERM before they are killed. */
const STOP_GRACE_MS = 15_000;

export async function runWorkers(
  count: number,
  shutdown: Promise<unknown> | undefined,
  io: CliIo,
): Promise<number> {
  cluster.setupPrimary({ args: process.argv.slice(2), silent: false });
  const ready = new Set<number>();
  /** Live workers (cluster.workers may still list one whose 'exit' is being handled). */
  const live = new Map<number, Worker>();
  const restarts: number[] = [];
  /** The exit code a worker reported before it disconnected (see program.ts). */
  const codes = new Map<number, number>();
  let stopping = false;
  let failure: number | undefined;
  let allReady!: () => void;
  const started = new Promise<void>((resolve) => (allReady = resolve));
  let finished!: (code: number) => void;
  const done = new Promise<number>((resolve) => (finished = resolve));

  let replaced = 0;
  const metricsState = {
    ready: () => [...live.values()].filter((w) => ready.has(w.id)),
    restarts: () => replaced,
  };

  // --watch: the one reload turn, and the workers waiting for it (first come, first served).
  let turn: { worker: Worker; id: number } | undefined;
  const waiting: { worker: Worker; id: number }[] = [];
  const nextTurn = () => {
    while (turn === undefined && waiting.length > 0) {
      const next = waiting.shift() as { worker: Worker; id: number };
      if (!next.worker.isConnected()) continue;
      turn = next;
      io.stderr(`naftiko: worker ${next.worker.process.pid} reloading\n`);
      answerWorker(next.worker, next.id);
    }
  };
  const endTurn = (worker: Worker, outcome: string) => {
    if (turn?.worker !== worker) return;
    turn = undefined;
    io.stderr(`naftiko: worker ${worker.process.pid} ${outcome}\n`);
    nextTurn();
  };

  const fork = (): Worker => {
    const worker = cluster.fork({ NAFTIKO_WORKER: '1' });
    live.set(worker.id, worker);
    worker.on('message', (message: unknown) => {
      if (message === WORKER_READY) {
        ready.add(worker.id);
        if (ready.size >= count) allReady();
        return;
      }
      if (typeof message !== 'object' || message === null) return;
      const m = message as Record<string, unknown>;
      if (typeof m['naftikoWorkerExit'] === 'number') codes.set(worker.id, m['naftikoWorkerExit']);
      else if (typeof m['naftikoReloadAsk'] === 'number') {
        waiting.push({ worker, id: m['naftikoReloadAsk'] });
        nextTurn();
      } else if (m['naftikoReloadDone'] === true) {
        endTurn(worker, m['reloaded'] === true ? 'reloaded' : 'kept its version (reload refused)');
      } else handleScrapeRequest(worker, message, metricsState);
    });
    return worker;
  };

  cluster.on('exit', (worker, exitCode, signal) => {
    live.delete(worker.id);
    endTurn(worker, 'exited during its reload');
    const wasReady = ready.delete(worker.id);
    const code = codes.get(worker.id) ?? exitCode;
    codes.delete(worker.id);
    if (stopping) {
      if (live.size === 0) finished(failure ?? 0);
      return;
    }
    if (!wasReady) {
      // It never served: the same capability would fail the same way in every worker.
      failure = code === 0 || code === null ? 1 : code;
      io.stderr(
        `naftiko: worker ${worker.process.pid} exited before it was ready (${signal ?? `code ${code}`}); stopping\n`,
      );
      void stopAll();
      return;
    }
    const now = Date.now();
    while (restarts.length > 0 && (restarts[0] as number) < now - RESTART_WINDOW_MS)
      restarts.shift();
    if (restarts.length >= MAX_RESTARTS) {
      failure = 1;
      io.stderr(
        `naftiko: workers died ${MAX_RESTARTS} times in ${RESTART_WINDOW_MS / 1000} s; stopping\n`,
      );
      void stopAll();
      return;
    }
    restarts.push(now);
    replaced++;
    io.stderr(
      `naftiko: worker ${worker.process.pid} died (${signal ?? `code ${code}`}); starting another\n`,
    );
    fork();
  });

  const stopAll = async () => {
    if (stopping) return;
    stopping = true;
    const workers = [...live.values()];
    if (workers.length === 0) finished(failure ?? 0);
    for (const worker of workers) worker.process.kill('SIGTERM');
    const kill = setTimeout(() => {
      for (const worker of workers) if (!worker.isDead()) worker.process.kill('SIGKILL');
    }, STOP_GRACE_MS);
    kill.unref();
  };

  for (let i = 0; i < count; i++) fork();
  void started.then(() => io.stderr(`naftiko: ${count} workers ready (primary ${process.pid})\n`));
  void shutdown?.then(() => stopAll());
  return done;
}
