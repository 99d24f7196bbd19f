/**
 * The catch-all upstream and the corpus run logic, shared with `scripts/corpus-run.mjs`: both
 * import `scripts/lib/corpus-run-core.mjs` (plain Node ESM, typed by its `.d.mts`), so the test
 * and the script check the same thing the same way.
 *
 * - `startCatchAllUpstream()`: node:http on 127.0.0.1, port 0, 200 with a plausible body (JSON,
 *   or the format the engine's `Accept` asks for) for every method and path, recording requests.
 * - `runCapabilityFile(file, upstream.url)`: `naftiko run <file> --base-uri '*=<upstream>'
 *   --port '*=0' --log-format json` (built CLI, dist/), then every REST operation called with
 *   plausible inputs chosen from the adapter's `/openapi.json`, then SIGTERM.
 */
export {
  CATCH_ALL_JSON,
  CORPUS_DIR,
  GUARD_MARKER,
  answered,
  engineValidFiles,
  environmentFor,
  httpCall,
  killAllCapabilities,
  locatedBindings,
  planRequest,
  plausible,
  pool,
  restAdapters,
  runCapabilityFile,
  startCatchAllUpstream,
  startFailureReason,
  summarize,
} from '../../scripts/lib/corpus-run-core.mjs';
export type {
  CatchAllUpstream,
  CorpusRunSummary,
  FileResult,
  OperationResult,
  PlannedRequest,
  RecordedRequest,
  ValidCorpusFile,
} from '../../scripts/lib/corpus-run-core.mjs';
