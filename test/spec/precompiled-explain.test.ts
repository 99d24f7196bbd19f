/**
 * The explain validators generated at build time (`dist/spec/schema/<level>-explain.cjs`, see
 * scripts/build-validators.mjs) must tell an invalid document exactly what Ajv compiling the
 * schema at run time tells it: the same errors, failed unions explained by the same branches,
 * hence the same diagnostics. The sources (run here by vitest) have no generated module and
 * compile with Ajv; the built module (dist/) uses the generated one. Checked on the seed with
 * errors injected and on every corpus file.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseSource } from '../../src/spec/source-document.js';
import { schemaErrors as compiledErrors } from '../../src/spec/schema/schemas.js';
import { ensureBuilt, REPO_ROOT } from '../helpers/cli.js';
import { CORPUS_DIR, corpusAvailable, readCorpusIndex } from '../helpers/corpus.js';

type SchemaErrorsFn = typeof compiledErrors;
let generatedErrors: SchemaErrorsFn;

beforeAll(async () => {
  ensureBuilt();
  const built = path.join(REPO_ROOT, 'dist/spec/schema/schemas.js');
  ({ schemaErrors: generatedErrors } = (await import(pathToFileURL(built).href)) as {
    schemaErrors: SchemaErrorsFn;
  });
}, 240_000);

/** What a diagnostic is made of (schema objects compared by content, not identity). */
function summary(errors: ReturnType<SchemaErrorsFn>): string {
  return JSON.stringify(
    errors.map((e) => ({
      instancePath: e.instancePath,
      keyword: e.keyword,
      params: e.params,
      message: e.message,
      data: e.data,
      parentSchema: e.parentSchema,
    })),
  );
}

function documents(): [string, unknown][] {
  const seed = path.join(REPO_ROOT, 'specs/crm-crm-integration.yaml');
  const broken = readFileSync(seed, 'utf8')
    .replace(/^naftiko: .*$/m, 'naftiko: "1.0.0-alpha2"\nunknownTopLevel: 1')
    .replace(/method: GET/, 'method: FETCH');
  const docs: [string, unknown][] = [
    [seed, parseSource(seed, readFileSync(seed, 'utf8')).value],
    ['seed, broken', parseSource('broken.yaml', broken).value],
  ];
  if (corpusAvailable) {
    for (const row of readCorpusIndex()) {
      const file = path.join(CORPUS_DIR, row.file);
      docs.push([file, parseSource(file, readFileSync(file, 'utf8')).value]);
    }
  }
  return docs.filter(([, value]) => value !== undefined);
}

describe('build-time explain validators', () => {
  it('give the errors of the schema compiled at run time, at both levels', () => {
    for (const level of ['engine', 'strict']) {
      // Otherwise dist/ would compile with Ajv too, and the comparison would prove nothing.
      expect(existsSync(path.join(REPO_ROOT, `dist/spec/schema/${level}-explain.cjs`))).toBe(true);
    }
    const docs = documents();
    let invalid = 0;
    for (const level of ['engine', 'strict'] as const) {
      const differ: string[] = [];
      for (const [file, value] of docs) {
        const expected = compiledErrors(level, value);
        if (expected.length > 0) invalid++;
        if (summary(generatedErrors(level, value)) !== summary(expected)) differ.push(file);
      }
      expect(differ, level).toEqual([]);
    }
    // The check means something only if many documents are invalid.
    expect(invalid).toBeGreaterThan(corpusAvailable ? 500 : 1);
  }, 300_000);
});
