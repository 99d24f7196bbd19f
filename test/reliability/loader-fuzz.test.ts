/**
 * Loader fuzzing (issue 11, "Prove it"): thousands of seeded mutations of the corpus documents
 * (../shared/corpus, read in place) through the validator and, when a mutant still validates, the
 * runtime's compile step. Holds: nothing thrown escapes validation, every diagnostic names a file
 * and a 1-based line and column inside the document, every document is judged within
 * MAX_VALIDATE_MS (a watchdog turns a hang into a failure), and compiling either succeeds or
 * throws a NaftikoError with a catalogued code. Deterministic: the seed is printed, and one
 * mutation replays alone with NAFTIKO_FUZZ_ONLY=<index> (NAFTIKO_FUZZ_SEED=<seed>);
 * NAFTIKO_FUZZ_MUTATIONS raises the count for a longer local run.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import jsYaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createValidator } from '../../src/spec/validate.js';
import { corpusAvailable, readCorpusIndex } from '../helpers/corpus.js';
import { Findings } from './fuzz-findings.js';
import type { Mutant } from './fuzz-findings.js';
import { mulberry32, mutationSeed } from './prng.js';
import type { Rng } from './prng.js';
import { STRUCTURE_MUTATIONS } from './structure-mutations.js';
import { TEXT_MUTATIONS } from './text-mutations.js';
import { startWatchdog } from './watchdog.js';
import type { Watchdog } from './watchdog.js';

const SEED = envInteger('NAFTIKO_FUZZ_SEED', 0x6e61667a) >>> 0;
const MUTATIONS = envInteger('NAFTIKO_FUZZ_MUTATIONS', 3000);
const ONLY =
  process.env.NAFTIKO_FUZZ_ONLY === undefined ? undefined : envInteger('NAFTIKO_FUZZ_ONLY', 0);
/** No heartbeat for this long is a hang: far above MAX_VALIDATE_MS, so slow is told from stuck. */
const HANG_MS = 20_000;
/** Every STRICT_EVERY-th mutant is validated with --strict too. */
const STRICT_EVERY = 4;

function envInteger(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${name}: not an integer: ${raw}`);
  return value;
}

interface CorpusDoc {
  readonly file: string;
  readonly path: string;
  readonly text: string;
  /** The parsed root mapping, when the document parses to one. */
  readonly value?: Record<string, unknown>;
  /** Validates unmutated at engine level. */
  engineValid: boolean;
}

function loadCorpus(): CorpusDoc[] {
  return readCorpusIndex().map((row) => {
    const text = readFileSync(row.absolutePath, 'utf8');
    let value: unknown;
    try {
      value = jsYaml.load(text, { schema: jsYaml.CORE_SCHEMA });
    } catch {
      value = undefined;
    }
    const mapping = typeof value === 'object' && value !== null && !Array.isArray(value);
    return {
      file: row.file,
      path: row.absolutePath,
      text,
      ...(mapping ? { value: value as Record<string, unknown> } : {}),
      engineValid: false,
    };
  });
}

function applyText(text: string, rng: Rng, names: string[]): string {
  const mutation = rng.pick(TEXT_MUTATIONS);
  names.push(`text:${mutation.name}`);
  return mutation.apply(text, rng);
}

/** Mutant `index` of the run: its own PRNG, so it replays without the ones before it. */
function mutant(index: number, docs: readonly CorpusDoc[]): Mutant {
  const rng = mulberry32(mutationSeed(SEED, index));
  const parsed = docs.filter((d) => d.value !== undefined);
  const valid = parsed.filter((d) => d.engineValid);
  const names: string[] = [];
  let doc: CorpusDoc;
  let text: string;
  if (rng.chance(0.5) && parsed.length > 0) {
    doc = rng.pick(valid.length > 0 && rng.chance(0.8) ? valid : parsed);
    const value = structuredClone(doc.value) as Record<string, unknown>;
    // One mutation most often, so that more mutants still validate and reach the runtime.
    for (let n = rng.pick([1, 1, 2, 3]); n > 0; n--) {
      for (let attempt = 0; attempt < 5; attempt++) {
        const mutation = rng.pick(STRUCTURE_MUTATIONS);
        if (mutation.apply(value, rng)) {
          names.push(`structure:${mutation.name}`);
          break;
        }
      }
    }
    const json = rng.chance(0.15);
    names.push(json ? 'as-json' : 'as-yaml');
    text = json
      ? JSON.stringify(value, null, 2)
      : jsYaml.dump(value, { noRefs: true, lineWidth: -1, skipInvalid: true });
    if (rng.chance(0.1)) text = applyText(text, rng, names);
  } else {
    doc = rng.pick(docs);
    text = doc.text;
    for (let n = rng.int(1, 3); n > 0; n--) text = applyText(text, rng, names);
  }
  return {
    label: `#${index} seed=${SEED} ${doc.file} [${names.join(', ')}]`,
    path: doc.path,
    text,
  };
}

describe.skipIf(!corpusAvailable)('loader fuzzing over the corpus', () => {
  let docs: CorpusDoc[] = [];
  let dog: Watchdog;
  const validator = createValidator();
  /** `naftiko validate --strict` takes other paths (the strict schema, dialect errors). */
  const strictValidator = createValidator({ strict: true });

  beforeAll(async () => {
    docs = loadCorpus();
    dog = startWatchdog(HANG_MS);
    // Which documents reach the runtime unmutated: structure mutations start from them mostly.
    // Known before any test runs, so that a single mutation replays alone (NAFTIKO_FUZZ_ONLY).
    for (const doc of docs) {
      const result = await validator.validateText(doc.path, doc.text).catch(() => undefined);
      doc.engineValid = result?.capability !== undefined;
    }
  }, 120_000);
  afterAll(async () => {
    await dog.stop();
  });

  it('validates and compiles every unmutated corpus document without a crash', async () => {
    const findings = new Findings();
    for (const doc of docs) {
      await findings.check(
        validator,
        { label: `original ${doc.file}`, path: doc.path, text: doc.text },
        dog,
      );
    }
    dog.pause();
    expect(findings.failures).toEqual([]);
    expect(docs.filter((d) => d.engineValid).length).toBeGreaterThan(100);
  }, 120_000);

  it(`survives ${ONLY === undefined ? MUTATIONS : 1} seeded mutations (seed ${SEED})`, async () => {
    const findings = new Findings();
    const indexes = ONLY === undefined ? Array.from({ length: MUTATIONS }, (_, i) => i) : [ONLY];
    const start = performance.now();
    let validated = 0;
    for (const index of indexes) {
      const m = mutant(index, docs);
      if (ONLY !== undefined) console.log(`${m.label}\n${JSON.stringify(m.text).slice(0, 4000)}`);
      const result = await findings.check(validator, m, dog);
      if (index % STRICT_EVERY === 0) {
        await findings.check(strictValidator, { ...m, label: `${m.label} --strict` }, dog, false);
      }
      if (result?.capability !== undefined) validated++;
    }
    dog.pause();
    const seconds = ((performance.now() - start) / 1000).toFixed(1);
    const codes = [...findings.compileCodes].map(([c, n]) => `${c}=${n}`).join(' ');
    console.log(
      `loader fuzz: seed ${SEED} (0x${SEED.toString(16)}), ${indexes.length} mutations of ` +
        `${docs.length} documents in ${seconds} s; ${validated} still valid and compiled ` +
        `(${codes}); ${findings.count} failures`,
    );
    const slow = findings.slowest.map(([ms, label]) => `  ${Math.round(ms)} ms ${label}`);
    const refused = [...findings.examples].map(([code, e]) => `  ${code}: ${e.slice(0, 400)}`);
    console.log(
      `slowest validations:\n${slow.join('\n')}\ncompile refusals:\n${refused.join('\n')}`,
    );
    expect(findings.failures).toEqual([]);
  }, 600_000);
});
