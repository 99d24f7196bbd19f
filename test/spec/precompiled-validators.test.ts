/**
 * The standalone validators generated at build time (scripts/build-validators.mjs) must give the
 * verdicts of the schemas they come from: checked on every corpus file and on the seed.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseSource } from '../../src/spec/source-document.js';
import { validatorFor } from '../../src/spec/schema/schemas.js';
import { ensureBuilt, REPO_ROOT } from '../helpers/cli.js';
import { CORPUS_DIR, corpusAvailable, readCorpusIndex } from '../helpers/corpus.js';

type Check = (value: unknown) => boolean;
const built: Partial<Record<'strict' | 'engine', Check>> = {};

beforeAll(async () => {
  ensureBuilt();
  for (const level of ['strict', 'engine'] as const) {
    const file = path.join(REPO_ROOT, `dist/spec/schema/${level}-validator.cjs`);
    built[level] = ((await import(file)) as { default: Check }).default;
  }
}, 120_000);

function documents(): [string, unknown][] {
  const files = [path.join(REPO_ROOT, 'specs/crm-crm-integration.yaml')];
  if (corpusAvailable)
    files.push(...readCorpusIndex().map((row) => path.join(CORPUS_DIR, row.file)));
  return files
    .map((file) => [file, parseSource(file, readFileSync(file, 'utf8')).value] as [string, unknown])
    .filter(([, value]) => value !== undefined);
}

describe('build-time validators', () => {
  it('agree with the compiled schemas on every document', () => {
    const docs = documents();
    for (const level of ['strict', 'engine'] as const) {
      const compiled = validatorFor(level);
      const disagree = docs.filter(([, value]) => built[level]?.(value) !== compiled(value));
      expect(
        disagree.map(([file]) => file),
        level,
      ).toEqual([]);
    }
    expect(docs.length).toBeGreaterThan(corpusAvailable ? 600 : 0);
  });
});
