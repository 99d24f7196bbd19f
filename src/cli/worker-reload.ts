/**
 * `naftiko run --workers N --watch` (issue 14): the workers reload one at a time. Every worker
 * watches the capability's files itself (as a single process does); before it reloads, it asks
 * its primary for the one reload turn and gives it back once the new version serves (or the
 * edit was refused), so the other workers keep serving at full speed meanwhile, and a reload
 * never competes with another for the cores. The primary's side is in commands/workers.ts.
 */
import { askPrimary, isClusterWorker } from '../observability/worker-channel.js';

/** The turn this worker holds: give it back with the outcome. */
export interface ReloadTurn {
  release(reloaded: boolean): void;
}

const NO_TURN: ReloadTurn = { release() {} };

const RELEASE: ReloadTurn = {
  release: (reloaded) => process.send?.({ naftikoReloadDone: true, reloaded }),
};

/**
 * Waits for this worker's reload turn (at once outside --workers). A primary that does not answer
 * (it is stopping) leaves the worker to reload on its own after `timeoutMs`.
 */
export async function reloadTurn(timeoutMs = 60_000): Promise<ReloadTurn> {
  if (!isClusterWorker()) return NO_TURN;
  await askPrimary('naftikoReloadAsk', timeoutMs);
  return RELEASE;
}
