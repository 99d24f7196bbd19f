/**
 * The catch-all upstream and the corpus run logic, shared with `scripts/corpus-run.mjs`: both
 * import `scripts/lib/corpus-run-core.mjs` (plain Node ESM, typed by its `.d.mts`), so the test
 * and the script check the same thing the same way.
 *
 * - `startCatchAllUpstream()`: node:http on 127.0.0.1, port 0, 200 with a plausible body (JSON,
 *   or the format the engine's `Accept` asks for) for every method and path, recording requests.
 * - `runCapabilityFile(file, upstream.url)`: `naftiko run <file> --base-uri '*=<upstream>'
 *   --port '*=0' --log-format json` (built CLI, dist/), then every REST operation called with a
 *   request built from the adapter's `/openapi.json` (scripts/lib/openapi-plan.mjs), then SIGTERM.
 * - `statusClass(op)` / `nonClientError(op)`: issue 10's criterion (non-4xx); `knownException`:
 *   the corpus files that cannot meet it, each with its reason (scripts/lib/corpus-exceptions.mjs).
 */
export {
  CATCH_ALL_JSON,
  CORPUS_DIR,
  GUARD_MARKER,
  KNOWN_EXCEPTIONS,
  answered,
  asText,
  engineValidFiles,
  environmentFor,
  httpCall,
  killAllCapabilities,
  knownException,
  locatedBindings,
  nonClientError,
  planRequest,
  plausible,
  pool,
  restAdapters,
  runCapabilityFile,
  startCatchAllUpstream,
  startFailureReason,
  statusClass,
  summarize,
  valueForSchema,
} from '../../scripts/lib/corpus-run-core.mjs';
export type {
  CatchAllUpstream,
  CorpusRunSummary,
  FailedCall,
  FileResult,
  KnownException,
  OperationResult,
  PlannedRequest,
  RecordedRequest,
  StatusClass,
  ValidCorpusFile,
} from '../../scripts/lib/corpus-run-core.mjs';
