/**
 * `naftiko validate --max-warnings <n>`, as ESLint's option: more than n warnings fail the run
 * (exit 1) even without errors, with one line on stderr saying why; warnings hidden by --quiet
 * still count; the output itself is unchanged in every format; a bad n is a usage error (exit 2).
 * Real subprocesses of the built CLI.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli } from '../helpers/cli.js';

beforeAll(() => ensureBuilt(), 240_000);

/** The seed validates with 0 errors and 11 warnings (dialect forms, unauthenticated REST). */
const SEED = 'specs/crm-crm-integration.yaml';
const SEED_WARNINGS = 11;
const DANGLING = 'test/fixtures/invalid/dangling-call.yaml';

describe('validate --max-warnings', () => {
  it('passes when the warnings are at most n', async () => {
    for (const n of [SEED_WARNINGS, SEED_WARNINGS + 5, -1]) {
      const result = await runCli(['validate', '--max-warnings', String(n), SEED]);
      expect(result.code, `n = ${n}`).toBe(0);
      expect(result.stderr).toBe('');
      expect(result.stdout).toContain(`1 file, 0 errors, ${SEED_WARNINGS} warnings`);
    }
  });

  it('fails with exit 1 and one stderr line when there are more warnings than n', async () => {
    const result = await runCli(['validate', '--max-warnings', '10', SEED]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`naftiko: ${SEED_WARNINGS} warnings, more than --max-warnings 10\n`);
    // The report itself is the one printed without the option.
    const plain = await runCli(['validate', SEED]);
    expect(result.stdout).toBe(plain.stdout);
  });

  it('counts every warning with 0 (CI: "no warnings allowed")', async () => {
    const result = await runCli(['validate', '--max-warnings=0', SEED]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`naftiko: ${SEED_WARNINGS} warnings, more than --max-warnings 0\n`);
  });

  it('counts the warnings that --quiet hides (as ESLint does)', async () => {
    const result = await runCli(['validate', '-q', '--max-warnings', '3', SEED]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('1 file, 0 errors, 0 warnings\n');
    expect(result.stderr).toBe(`naftiko: ${SEED_WARNINGS} warnings, more than --max-warnings 3\n`);
  });

  it('keeps every format intact: the reason goes to stderr only', async () => {
    const json = await runCli(['validate', '--format', 'json', '--max-warnings', '1', SEED]);
    expect(json.code).toBe(1);
    const parsed = JSON.parse(json.stdout) as { summary: { warnings: number; errors: number } };
    expect(parsed.summary).toEqual({ files: 1, errors: 0, warnings: SEED_WARNINGS });
    expect(json.stderr).toContain('more than --max-warnings 1');

    const github = await runCli(['validate', '--format', 'github', '--max-warnings', '1', SEED]);
    expect(github.code).toBe(1);
    expect(github.stdout.split('\n').filter((l) => l.startsWith('::warning '))).toHaveLength(
      SEED_WARNINGS,
    );
    expect(github.stderr).toBe(`naftiko: ${SEED_WARNINGS} warnings, more than --max-warnings 1\n`);
  });

  it('with errors, exits 1 as before and adds no line (the errors say why)', async () => {
    const within = await runCli(['validate', '--max-warnings', '1000', DANGLING]);
    expect(within.code).toBe(1);
    const over = await runCli(['validate', '--max-warnings', '0', '--strict', SEED]);
    expect(over.code).toBe(1);
    expect(over.stderr).toBe('');
  });

  it('refuses a limit that is not a whole number (exit 2, USAGE_INVALID)', async () => {
    for (const bad of ['ten', '1.5', '-2', '', '1e3']) {
      const result = await runCli(['validate', `--max-warnings=${bad}`, SEED]);
      expect(result.code, JSON.stringify(bad)).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(
        /^naftiko: --max-warnings must be a whole number.*\[USAGE_INVALID\]\n$/,
      );
    }
  });
});
