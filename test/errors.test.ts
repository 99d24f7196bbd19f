import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE, NaftikoError, toNaftikoError } from '../src/errors.js';

/** Rows of the README's "Error codes" table: code → [meaning, http, exit]. */
function readmeErrorTable(): Map<string, [string, number, number]> {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.split('## Error codes')[1]?.split('\n## ')[0] ?? '';
  const rows = new Map<string, [string, number, number]>();
  for (const line of section.split('\n')) {
    const m = /^\| `([A-Z_]+)` \| (.+?) \| (\d+) \| (\d+) \|$/.exec(line.trim());
    if (m) rows.set(m[1]!, [m[2]!, Number(m[3]), Number(m[4])]);
  }
  return rows;
}

describe('error catalogue', () => {
  it('is documented exactly by the README error table', () => {
    const table = readmeErrorTable();
    expect([...table.keys()].sort()).toEqual(Object.keys(ERROR_CATALOGUE).sort());
    for (const [code, spec] of Object.entries(ERROR_CATALOGUE)) {
      expect(table.get(code), code).toEqual([spec.title, spec.httpStatus, spec.exitCode]);
    }
  });

  it('wraps unknown throwables as INTERNAL and keeps NaftikoErrors as they are', () => {
    const own = new NaftikoError('USAGE_INVALID', 'bad');
    expect(toNaftikoError(own)).toBe(own);
    const wrapped = toNaftikoError(new TypeError('boom'));
    expect(wrapped.code).toBe('INTERNAL');
    expect(wrapped.spec.exitCode).toBe(3);
    expect(wrapped.message).toBe('boom');
  });
});
