import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DIALECT_RULES } from '../../src/spec/dialect-rules.js';
import { SEMANTIC_RULES } from '../../src/spec/rules/index.js';
import { DIALECT_PATCHES } from '../../src/spec/schema/engine-schema.js';

const doc = readFileSync(new URL('../../docs/rules.md', import.meta.url), 'utf8');

/** rule id → severity column, from every table row of docs/rules.md. */
function documented(): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of doc.split('\n')) {
    const m = /^\| `([a-z0-9-]+)` \| ([^|]+?) \|/.exec(line);
    if (m) rows.set(m[1]!, m[2]!);
  }
  return rows;
}

/** Rules reported by the loader, the version check, the schema step and imports. */
const PIPELINE_RULES: Record<string, string> = {
  'file-unreadable': 'error',
  'yaml-syntax': 'error',
  'yaml-duplicate-key': 'error',
  'document-not-object': 'error',
  'version-missing': 'error',
  'version-unsupported': 'error',
  'version-compatible': 'warning (error with --strict)',
  schema: 'error',
  'import-unresolved': 'error',
  'import-invalid': 'error',
};

describe('docs/rules.md', () => {
  it('lists exactly the rules of the code, with their severities', () => {
    const expected = new Map<string, string>(Object.entries(PIPELINE_RULES));
    for (const rule of DIALECT_RULES) {
      expected.set(rule.id, rule.conformance ? 'warning (error with --strict)' : 'warning');
    }
    for (const rule of SEMANTIC_RULES) expected.set(rule.id, rule.severity);
    expect(Object.fromEntries(documented())).toEqual(Object.fromEntries(expected));
  });

  it('uses the summaries of the code for dialect and semantic rules', () => {
    for (const rule of [...DIALECT_RULES, ...SEMANTIC_RULES]) {
      expect(doc, rule.id).toContain(
        `| \`${rule.id}\` | ${documented().get(rule.id)} | ${rule.summary} |`,
      );
    }
  });

  it('has a detector for every dialect patch of the engine schema', () => {
    const detectors = new Set([...DIALECT_RULES.map((r) => r.id), 'version-compatible']);
    for (const patch of DIALECT_PATCHES) expect(detectors.has(patch.rule), patch.rule).toBe(true);
    const conformance = DIALECT_RULES.filter((r) => r.conformance).map((r) => r.id);
    const patched = new Set(
      DIALECT_PATCHES.map((p) => p.rule).filter((id) => id !== 'version-compatible'),
    );
    expect(conformance.sort()).toEqual([...patched].sort());
  });
});
