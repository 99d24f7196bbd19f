/**
 * The progress line of `naftiko validate`: only on a terminal, only after a second, one line
 * rewritten in place and erased before the results. Unit tests of src/cli/progress.ts with a
 * stream that says it is a TTY and a clock the test moves; subprocess tests that piped output
 * never carries it, and (where `script` provides a pseudo-terminal) that a terminal gets it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { createProgress } from '../../src/cli/progress.js';
import type { ProgressStream } from '../../src/cli/progress.js';
import { CLI_MAIN, REPO_ROOT, ensureBuilt, runCli } from '../helpers/cli.js';

beforeAll(() => ensureBuilt(), 240_000);

const ERASE = '\r\u001b[2K';

function fakeStream(isTTY: boolean, columns?: number): ProgressStream & { written: string[] } {
  const written: string[] = [];
  return {
    isTTY,
    columns,
    written,
    write(text: string) {
      written.push(text);
      return true;
    },
  };
}

describe('createProgress', () => {
  it('stays silent for the first second, then draws and finally erases one line', () => {
    let now = 0;
    const stream = fakeStream(true);
    const progress = createProgress(stream, 630, { now: () => now });
    now = 500;
    progress.update(100);
    expect(stream.written).toEqual([]);
    now = 1001;
    progress.update(312);
    expect(stream.written).toEqual([`${ERASE}validating 312/630 files\u2026`]);
    // Redrawn at most every 100 ms, except for the last file.
    now = 1050;
    progress.update(320);
    expect(stream.written).toHaveLength(1);
    now = 1102;
    progress.update(400);
    expect(stream.written.at(-1)).toBe(`${ERASE}validating 400/630 files\u2026`);
    now = 1110;
    progress.update(630);
    expect(stream.written.at(-1)).toBe(`${ERASE}validating 630/630 files\u2026`);
    progress.clear();
    expect(stream.written.at(-1)).toBe(ERASE);
    // Nothing after clear().
    const count = stream.written.length;
    now = 5000;
    progress.update(630);
    progress.clear();
    expect(stream.written).toHaveLength(count);
    // No line break ever: the line is rewritten in place.
    expect(stream.written.join('')).not.toContain('\n');
  });

  it('writes nothing at all when the stream is not a terminal', () => {
    let now = 0;
    const stream = fakeStream(false);
    const progress = createProgress(stream, 10, { now: () => now });
    now = 10_000;
    for (let i = 1; i <= 10; i++) progress.update(i);
    progress.clear();
    expect(stream.written).toEqual([]);
  });

  it('erases nothing when a quick run never drew the line', () => {
    let now = 0;
    const stream = fakeStream(true);
    const progress = createProgress(stream, 10, { now: () => now });
    now = 900;
    progress.update(10);
    progress.clear();
    expect(stream.written).toEqual([]);
  });

  it('never writes a line wider than the terminal', () => {
    let now = 0;
    const stream = fakeStream(true, 12);
    const progress = createProgress(stream, 100_000, { now: () => now, delayMs: 0 });
    now = 1;
    progress.update(5);
    const line = (stream.written[0] ?? '').slice(ERASE.length);
    expect(line).toBe('validating ');
    expect(line.length).toBeLessThan(12);
  });
});

describe('validate without a terminal', () => {
  it('prints no progress text on piped stderr, even when asked to show it at once', async () => {
    const result = await runCli(['validate', '--format', 'json', 'test/fixtures/tree'], {
      env: { NAFTIKO_PROGRESS_DELAY_MS: '0' },
    });
    expect(result.stderr).toBe('');
    expect(result.stdout).not.toContain('validating');
    expect(result.stdout).not.toContain('\u001b');
    JSON.parse(result.stdout);
  });
});

/** `script` (util-linux) runs a command on a pseudo-terminal; skipped where it is missing. */
const hasScript = (() => {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!hasScript)('validate on a terminal (script -qc)', () => {
  it('draws the line on the terminal and erases it before the results', () => {
    const command = `'${process.execPath}' '${CLI_MAIN}' validate specs/crm-crm-integration.yaml specs/mcp-conformance.yaml`;
    const run = spawnSync('script', ['-qec', command, '/dev/null'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, NAFTIKO_PROGRESS_DELAY_MS: '0', NO_COLOR: '1' },
      timeout: 30_000,
    });
    expect(run.status).toBe(0);
    const out = run.stdout;
    const drawn = out.indexOf(`${ERASE}validating 2/2 files\u2026`);
    expect(drawn).toBeGreaterThanOrEqual(0);
    const erased = out.indexOf(ERASE, drawn + ERASE.length);
    const summary = out.indexOf('2 files, 0 errors');
    expect(erased).toBeGreaterThan(drawn);
    expect(summary).toBeGreaterThan(erased);
  });
});
