/**
 * `naftiko run` over a deterministic sample of the real-world corpus (../shared/corpus, read in
 * place), issue 10's criterion: each sampled file starts with `--base-uri '*=<catch-all
 * upstream>' --port '*=0'`; every REST operation it declares, called with a request built from
 * the adapter's own /openapi.json (required inputs with values of their declared types, the fixed
 * values of query-discriminated paths), answers non-4xx — 2xx/3xx, or a 5xx that relays the
 * upstream — and none answers an engine 5xx; it stays up until SIGTERM and then exits 0, and no
 * traffic leaves 127.0.0.1. The only failures allowed are the known exceptions of
 * scripts/lib/corpus-exceptions.mjs, each with its reason (corpus files that cannot be honoured).
 * `node scripts/corpus-run.mjs` runs the same check (shared code) over every engine-valid file.
 *
 * The sample: the engine-valid files that expose a REST adapter and bind only environment
 * variables (file:// bindings point at files the flattened corpus does not have), sorted by name;
 * every Nth of them (11 picks across the folders), plus the seed and its Gong CRM siblings, plus
 * the reference project's forward test capability.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createValidator } from '../../src/spec/validate.js';
import {
  CORPUS_DIR,
  engineValidFiles,
  killAllCapabilities,
  knownException,
  locatedBindings,
  nonClientError,
  restAdapters,
  runCapabilityFile,
  startCatchAllUpstream,
  startFailureReason,
  statusClass,
} from '../helpers/catch-all-upstream.js';
import type {
  CatchAllUpstream,
  FileResult,
  ValidCorpusFile,
} from '../helpers/catch-all-upstream.js';
import { ensureBuilt } from '../helpers/cli.js';
import { corpusAvailable } from '../helpers/corpus.js';

const EVERY_NTH_PICKS = 11;
const CONCURRENCY = 3;
const SEED_SIBLINGS = /^files\/api-evangelist__gong\/d86da05__capabilities__crm-crm-/;
const FRAMEWORK_PICK =
  'files/naftiko__framework/e1b0a31__src__test__resources__http__http-forward-value-capability.yaml';

function pickSample(valid: readonly ValidCorpusFile[]): ValidCorpusFile[] {
  const runnable = valid.filter(
    (f) => restAdapters(f.doc).length > 0 && locatedBindings(f.doc).length === 0,
  );
  const step = Math.max(1, Math.floor(runnable.length / EVERY_NTH_PICKS));
  const picked = new Map<string, ValidCorpusFile>();
  for (let i = 0; i < runnable.length && picked.size < EVERY_NTH_PICKS; i += step) {
    const f = runnable[i]!;
    picked.set(f.file, f);
  }
  for (const f of runnable) {
    if (SEED_SIBLINGS.test(f.file) || f.file === FRAMEWORK_PICK) picked.set(f.file, f);
  }
  return [...picked.values()].sort((a, b) => a.file.localeCompare(b.file));
}

const sample: ValidCorpusFile[] = corpusAvailable
  ? pickSample(await engineValidFiles(CORPUS_DIR, createValidator()))
  : [];

const short = (file: string) => file.replace(/^files\//, '');

describe.skipIf(!corpusAvailable)('naftiko run over a corpus sample', () => {
  let upstream: CatchAllUpstream | undefined;
  const runs = new Map<string, Promise<FileResult>>();
  let all: Promise<FileResult[]> = Promise.resolve([]);

  beforeAll(() => ensureBuilt(), 120_000);

  beforeAll(async () => {
    const catchAll = await startCatchAllUpstream();
    upstream = catchAll;
    // Runs start now, CONCURRENCY at a time; each test awaits its own file's run.
    const queue = [...sample];
    const settle = new Map<string, (r: FileResult) => void>();
    for (const f of sample) runs.set(f.file, new Promise((resolve) => settle.set(f.file, resolve)));
    const worker = async () => {
      for (let f = queue.shift(); f !== undefined; f = queue.shift()) {
        settle.get(f.file)!(await runCapabilityFile(f, catchAll.url));
      }
    };
    all = Promise.all(Array.from({ length: CONCURRENCY }, worker)).then(() =>
      Promise.all(runs.values()),
    );
  });

  afterAll(async () => {
    await all;
    killAllCapabilities(); // a safety net: every run stops its own process
    await upstream?.close();
  }, 60_000);

  it('samples ~15 engine-valid files across the corpus folders', () => {
    const files = sample.map((f) => f.file);
    expect(files.length).toBeGreaterThanOrEqual(12);
    expect(files.length).toBeLessThanOrEqual(18);
    expect(files).toContain(
      'files/api-evangelist__gong/d86da05__capabilities__crm-crm-integration.yaml',
    );
    expect(files).toContain(FRAMEWORK_PICK);
    const folders = new Set(files.map((f) => f.split('/')[1]));
    expect(folders.size).toBeGreaterThanOrEqual(8);
  });

  it.each(sample.map((f) => [short(f.file), f.file]))(
    '%s starts, every REST operation answers non-4xx, and SIGTERM stops it',
    async (_name, file) => {
      const result = await runs.get(file)!;
      const context = `${file}\nstderr: ${result.stderr}`;
      const reason = startFailureReason(result);
      const bootException = knownException(file, 'boot', /^([A-Z_]+):/.exec(reason)?.[1]);
      if (!result.started && bootException !== undefined) return; // a known exception, see its reason
      expect(result.started, `${reason}\n${context}`).toBe(true);

      expect(result.adapters.length, context).toBeGreaterThan(0);
      for (const adapter of result.adapters) {
        expect(adapter.openapi, `${adapter.namespace}: ${adapter.openapiError}`).toBe(true);
      }
      const declared = restAdapters(sample.find((f) => f.file === file)!.doc).reduce(
        (n: number, a: { resources?: { forward?: unknown; operations?: unknown[] }[] }) =>
          n +
          (a.resources ?? []).reduce(
            (m, r) => m + (r.forward ? 0 : (r.operations ?? []).length),
            0,
          ),
        0,
      );
      expect(result.operations).toHaveLength(declared);

      const describeOp = (op: (typeof result.operations)[number]) =>
        `${op.method} ${op.target} → ${op.status} ${op.code ?? ''} ${op.detail ?? op.error ?? ''}`;
      const unexplained = (op: (typeof result.operations)[number]) =>
        knownException(file, op.status, op.code) === undefined;
      for (const op of result.operations) {
        expect(op.openapi, `${describeOp(op)}: not described by /openapi.json`).toBe(true);
      }
      const clientErrors = result.operations
        .filter((op) => !nonClientError(op) && unexplained(op))
        .map(describeOp);
      expect(clientErrors, 'operations answering 4xx or not at all').toEqual([]);
      const engineErrors = result.operations
        .filter((op) => statusClass(op) === 'engine-error' && unexplained(op))
        .map(describeOp);
      expect(engineErrors, 'operations answering an engine 5xx').toEqual([]);
      const forwards = result.forwards
        .filter((f) => f.status === 0 || f.status === 404 || f.status === 405)
        .map((f) => `${f.method} ${f.target} → ${f.status}`);
      expect(forwards, 'forward resources answering 404/405').toEqual([]);

      expect(result.exitedBeforeStop, `exited on its own: ${JSON.stringify(result.exit)}`).toBe(
        false,
      );
      expect(result.stop).toMatchObject({ code: 0, forced: false });
      expect(result.guardBlocked, 'non-loopback connections attempted').toEqual([]);
    },
    60_000,
  );

  it('sends the upstream calls to the catch-all upstream only', async () => {
    const results = await all;
    expect(upstream!.requests.length).toBeGreaterThan(0);
    expect(results.flatMap((r) => r.guardBlocked)).toEqual([]);
  }, 60_000);
});
