/**
 * The validator against the real-world corpus (../shared/corpus, read in place, never copied):
 * robustness and speed on every file, the strict verdict against the official alpha2 JSON Schema
 * verdict of INDEX.tsv, the dialect at engine level, and one CLI run over the whole folder.
 * Writes nothing to disk (except `npm run build` when dist/ is missing).
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../src/spec/diagnostics.js';
import { createValidator } from '../../src/spec/validate.js';
import type { ValidationResult } from '../../src/spec/validate.js';
import { CORPUS_DIR, REPO_ROOT, corpusAvailable, readCorpusIndex } from '../helpers/corpus.js';
import type { CorpusRow } from '../helpers/corpus.js';

const EXPECTED_FILES = 630;
const MAX_MS_PER_FILE = 1000;

/** Rules whose errors decide official alpha2 conformance (the rest are semantic checks). */
const CONFORMANCE_RULES = new Set([
  'schema',
  'yaml-syntax',
  'yaml-duplicate-key',
  'document-not-object',
  'version-missing',
  'version-unsupported',
  'version-compatible',
]);
const isConformanceRule = (rule: string): boolean =>
  CONFORMANCE_RULES.has(rule) || rule.startsWith('dialect-');

/** Errors the flattened corpus layout explains: relative imports no longer resolve. */
const LAYOUT_RULES = new Set(['import-unresolved', 'import-invalid']);

/**
 * Negative fixtures of the reference project's own test suite: schema-valid on purpose, invalid
 * by a rule the schema cannot express, so the engine must reject them with exactly that rule.
 */
const DELIBERATELY_INVALID = new Map<string, ReadonlySet<string>>([
  [
    'files/naftiko__framework/e1b0a31__src__test__resources__aggregates__aggregate-invalid-ref.yaml',
    new Set(['ref-unresolved']),
  ],
]);

type Outcome =
  | { readonly ok: true; readonly result: ValidationResult; readonly ms: number }
  | { readonly ok: false; readonly error: unknown; readonly ms: number };

interface FileRun {
  readonly row: CorpusRow;
  readonly engine: Outcome;
  readonly strict: Outcome;
}

const errorsOf = (outcome: Outcome): Diagnostic[] =>
  outcome.ok ? outcome.result.diagnostics.filter((d) => d.severity === 'error') : [];

async function timed(
  validator: ReturnType<typeof createValidator>,
  file: string,
): Promise<Outcome> {
  const start = performance.now();
  try {
    const result = await validator.validateFile(file);
    return { ok: true, result, ms: performance.now() - start };
  } catch (error) {
    return { ok: false, error, ms: performance.now() - start };
  }
}

/** A message with its variable parts (array indexes, quoted values) replaced, for grouping. */
function messageShape(d: Diagnostic): string {
  const shape = d.message
    .replace(/\/\d+(?=[/`'"\s]|$)/g, '/*')
    .replace(/'[^']*'/g, "'…'")
    .replace(/"[^"]*"/g, '"…"')
    .replace(/(?<![\w-])\d+(?![\w-])/g, 'N');
  return `${d.rule}: ${shape}`;
}

describe.skipIf(!corpusAvailable)('real-world corpus', () => {
  const rows = corpusAvailable ? readCorpusIndex() : [];
  const runs: FileRun[] = [];

  beforeAll(async () => {
    const engine = createValidator();
    const strict = createValidator({ strict: true });
    // Warm-up, untimed: compile both schemas (the strict one is only compiled when a document
    // gets past the engine schema and the dialect, so warm up on an officially valid file).
    const warmUp = rows.find((r) => r.officialAlpha2SchemaValid === 'yes') ?? rows[0];
    if (warmUp !== undefined) {
      await engine.validateFile(warmUp.absolutePath);
      await strict.validateFile(warmUp.absolutePath);
    }
    for (const row of rows) {
      runs.push({
        row,
        engine: await timed(engine, row.absolutePath),
        strict: await timed(strict, row.absolutePath),
      });
    }
  }, 300_000);

  it(`indexes ${EXPECTED_FILES} files`, () => {
    expect(rows).toHaveLength(EXPECTED_FILES);
    expect(runs).toHaveLength(EXPECTED_FILES);
  });

  it('validates every file at engine and strict level without throwing', () => {
    const thrown = runs.flatMap(({ row, engine, strict }) => [
      ...(engine.ok ? [] : [`engine ${row.file}: ${String(engine.error)}`]),
      ...(strict.ok ? [] : [`strict ${row.file}: ${String(strict.error)}`]),
    ]);
    expect(thrown, thrown.join('\n')).toEqual([]);
  });

  it(`validates each file in under ${MAX_MS_PER_FILE} ms (schemas compiled beforehand)`, () => {
    const slowest = runs
      .flatMap(({ row, engine, strict }) => [
        { file: row.file, level: 'engine', ms: engine.ms },
        { file: row.file, level: 'strict', ms: strict.ms },
      ])
      .sort((a, b) => b.ms - a.ms);
    const max = slowest[0];
    const total = runs.reduce((sum, r) => sum + r.engine.ms + r.strict.ms, 0);
    console.log(
      `corpus timing: ${runs.length} files x 2 levels in ${total.toFixed(0)} ms; slowest ` +
        `${max?.ms.toFixed(1)} ms (${max?.level} ${max?.file})`,
    );
    expect(max?.ms ?? 0, `${max?.level} ${max?.file}`).toBeLessThan(MAX_MS_PER_FILE);
  });

  it('agrees with the official alpha2 schema verdict on conformance (strict level)', () => {
    const mismatches: string[] = [];
    for (const { row, strict } of runs) {
      const errors = errorsOf(strict);
      if (row.yamlParses === 'no' || row.officialAlpha2SchemaValid === 'n/a') {
        if (!errors.some((d) => d.rule === 'yaml-syntax')) {
          mismatches.push(`${row.file}: official n/a, expected a yaml-syntax error`);
        }
        continue;
      }
      const conformant = !errors.some((d) => isConformanceRule(d.rule));
      const verdict = conformant ? 'yes' : 'no';
      if (verdict !== row.officialAlpha2SchemaValid) {
        const detail = errors
          .filter((d) => isConformanceRule(d.rule))
          .map((d) => `\n    ${d.line}:${d.column} ${d.rule} ${d.message}`)
          .join('');
        mismatches.push(
          `${row.file}: official ${row.officialAlpha2SchemaValid}, strict ${verdict}${detail}`,
        );
      }
    }
    expect(mismatches, `strict/official mismatches:\n${mismatches.join('\n')}`).toEqual([]);
  });

  it('differs from the official verdict on full strict validity only by unresolved imports', () => {
    const explained: string[] = [];
    const deliberate: string[] = [];
    const unexplained: string[] = [];
    for (const { row, strict } of runs) {
      if (row.officialAlpha2SchemaValid === 'n/a') continue;
      const errors = errorsOf(strict);
      const verdict = errors.length === 0 ? 'yes' : 'no';
      const expectedRules = DELIBERATELY_INVALID.get(row.file);
      if (expectedRules !== undefined) {
        // Must fail, and only by the rule it was written to exercise.
        const rules = new Set(errors.map((d) => d.rule));
        if (rules.size > 0 && [...rules].every((rule) => expectedRules.has(rule))) {
          deliberate.push(row.file);
          continue;
        }
      } else if (verdict === row.officialAlpha2SchemaValid) {
        continue;
      }
      const extra = errors.filter((d) => !isConformanceRule(d.rule));
      if (
        expectedRules === undefined &&
        row.officialAlpha2SchemaValid === 'yes' &&
        extra.length === errors.length &&
        extra.every((d) => LAYOUT_RULES.has(d.rule))
      ) {
        explained.push(row.file);
      } else {
        const detail = errors.map((d) => `\n    ${d.line}:${d.column} ${d.rule} ${d.message}`);
        unexplained.push(
          `${row.file}: official ${row.officialAlpha2SchemaValid}, strict ${verdict}${detail.join('')}`,
        );
      }
    }
    console.log(
      `corpus: ${explained.length} officially valid files fail strict validation only because ` +
        `their relative imports no longer resolve (flattened layout); ${deliberate.length} ` +
        `negative fixture(s) rejected by a semantic rule as intended (${deliberate.join(', ')})`,
    );
    expect(
      unexplained,
      `unexplained strict/official mismatches:\n${unexplained.join('\n')}`,
    ).toEqual([]);
  });

  it('reports no dialect error on files the official schema accepts (strict level)', () => {
    const offending = runs
      .filter(({ row }) => row.officialAlpha2SchemaValid === 'yes')
      .flatMap(({ row, strict }) =>
        errorsOf(strict)
          .filter((d) => d.rule.startsWith('dialect-'))
          .map((d) => `${row.file}:${d.line}:${d.column} ${d.rule} ${d.message}`),
      );
    expect(offending, offending.join('\n')).toEqual([]);
  });

  it('summarises engine-level failures of the generated alpha2 capabilities', () => {
    const generated = runs.filter(
      ({ row }) =>
        row.file.startsWith('files/api-evangelist__') && row.naftikoVersion === '1.0.0-alpha2',
    );
    const groups = new Map<string, string[]>();
    let valid = 0;
    for (const { row, engine } of generated) {
      expect(engine.ok, row.file).toBe(true);
      const errors = errorsOf(engine);
      if (errors.length === 0) {
        valid++;
        continue;
      }
      const key = [...new Set(errors.map(messageShape))].sort().join('\n      ');
      groups.set(key, [...(groups.get(key) ?? []), row.file]);
    }
    const lines = [...groups]
      .sort((a, b) => b[1].length - a[1].length)
      .map(([key, files]) => `  ${files.length} file(s), e.g. ${files[0]}:\n      ${key}`);
    console.log(
      `engine level, api-evangelist alpha2: ${generated.length} files, ${valid} valid, ` +
        `${generated.length - valid} with errors in ${groups.size} group(s)\n${lines.join('\n')}`,
    );
  });
});

describe.skipIf(!corpusAvailable)('naftiko validate over the corpus folder (CLI)', () => {
  const cli = path.join(REPO_ROOT, 'dist/cli/main.js');

  beforeAll(() => {
    if (!existsSync(cli)) {
      execFileSync('npm', ['run', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' });
    }
  }, 180_000);

  it('validates all files in one process, reports them in JSON and exits 1', async () => {
    const folder = path.relative(REPO_ROOT, path.join(CORPUS_DIR, 'files'));
    const { code, stdout, stderr } = await new Promise<{
      code: number | null;
      stdout: string;
      stderr: string;
    }>((resolve, reject) => {
      const child = execFile(
        process.execPath,
        [cli, 'validate', '--format', 'json', folder],
        { cwd: REPO_ROOT, timeout: 60_000, maxBuffer: 512 * 1024 * 1024 },
        (error, out, err) => {
          if (error && typeof error.code !== 'number') reject(error);
          else resolve({ code: child.exitCode, stdout: out, stderr: err });
        },
      );
    });
    expect(code, stderr).toBe(1);
    const report = JSON.parse(stdout) as {
      files: unknown[];
      summary: { files: number; errors: number; warnings: number };
    };
    expect(report.summary.files).toBe(EXPECTED_FILES);
    expect(report.files).toHaveLength(EXPECTED_FILES);
  }, 60_000);
});
