/**
 * `NAFTIKO_VALIDATE_WORKERS=1`: a worker thread validates alongside the main thread, both taking
 * files from one list. The report must be exactly the one a single thread gives, file order and
 * exit code included. Real subprocesses of the built CLI over the corpus (read in place).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, ensureBuilt, runCli } from '../helpers/cli.js';

const CORPUS = path.resolve(REPO_ROOT, '../shared/corpus/files');

beforeAll(() => ensureBuilt(), 240_000);

describe.skipIf(!existsSync(CORPUS))('validate with a worker thread', () => {
  for (const level of [[], ['--strict']]) {
    it(`gives the single-thread report over the corpus ${level.join(' ') || '(engine level)'}`, async () => {
      const args = ['validate', ...level, '--format', 'json', CORPUS];
      const single = await runCli(args, {
        timeoutMs: 120_000,
        env: { NAFTIKO_VALIDATE_WORKERS: undefined },
      });
      const workers = await runCli(args, {
        timeoutMs: 120_000,
        env: { NAFTIKO_VALIDATE_WORKERS: '1' },
      });
      expect(single.code).toBe(1); // the corpus has invalid files
      expect(workers.code).toBe(single.code);
      expect(workers.stderr).toBe(single.stderr);
      expect(workers.stdout.length).toBeGreaterThan(100_000);
      expect(workers.stdout).toBe(single.stdout);
    }, 240_000);
  }
});
