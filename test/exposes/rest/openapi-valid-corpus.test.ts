/**
 * The OpenAPI document of every REST adapter in the corpus (`/openapi.json`, and `naftiko export
 * openapi`, which builds it with the same code) is a valid OpenAPI document, in 3.1 and after
 * the 3.0 down-conversion, per @readme/openapi-parser's validator. Corpus read in place.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { validate } from '@readme/openapi-parser';
import { describe, expect, it } from 'vitest';
import { describingRuntime } from '../../../src/authoring/load-capability.js';
import { openApiTo30 } from '../../../src/authoring/openapi-30.js';
import { buildOpenApi } from '../../../src/exposes/rest/openapi.js';
import type { ExposesRest } from '../../../src/spec/types.js';
import { createValidator } from '../../../src/spec/validate.js';
import { REPO_ROOT } from '../../helpers/cli.js';

const CORPUS = path.resolve(REPO_ROOT, '../shared/corpus/files');

function corpusFiles(): string[] {
  if (!existsSync(CORPUS)) return [];
  return readdirSync(CORPUS).flatMap((dir) =>
    readdirSync(path.join(CORPUS, dir)).map((name) => path.join(CORPUS, dir, name)),
  );
}

const files = corpusFiles();

describe.skipIf(files.length === 0)('OpenAPI documents of the corpus REST adapters', () => {
  it('are valid OpenAPI 3.1, and 3.0 once down-converted', async () => {
    const validator = createValidator();
    const invalid: string[] = [];
    let documents = 0;
    for (const file of files) {
      const result = await validator.validateFile(file);
      if (result.capability === undefined) continue;
      if (result.diagnostics.some((d) => d.severity === 'error')) continue;
      const adapters = (result.capability.doc.capability?.exposes ?? []).filter(
        (a): a is ExposesRest => a.type === 'rest',
      );
      if (adapters.length === 0) continue;
      let runtime;
      try {
        runtime = describingRuntime(result.capability);
      } catch {
        continue; // a capability the engine would refuse to start (e.g. unresolvable binds)
      }
      try {
        for (const adapter of adapters) {
          const doc = buildOpenApi(adapter, runtime);
          documents++;
          for (const [version, candidate] of [
            ['3.1', doc],
            ['3.0', openApiTo30(doc)],
          ] as const) {
            const check = await validate(structuredClone(candidate) as never);
            if (!check.valid) {
              const first = check.errors.map((e) => e.message.split('\n')[0]).join(' | ');
              invalid.push(
                `${version} ${path.relative(CORPUS, file)} ${adapter.namespace}: ${first}`,
              );
            }
          }
        }
      } finally {
        await runtime.close();
      }
    }
    expect(documents).toBeGreaterThan(200);
    expect(invalid.slice(0, 10)).toEqual([]);
  }, 300_000);
});
