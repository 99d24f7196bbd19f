/**
 * Runs the built `naftiko` CLI in a real subprocess (node dist/cli/main.js), as a user would, and
 * builds dist/ first when it is missing or older than src/.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI_MAIN = path.join(REPO_ROOT, 'dist', 'cli', 'main.js');

export interface CliResult {
  /** Exit code; null only when the process was killed by a signal. */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunCliOptions {
  /** Working directory of the subprocess; the repository root by default. */
  readonly cwd?: string;
  /** Milliseconds before the subprocess is killed and the promise rejects; 20 s by default. */
  readonly timeoutMs?: number;
  /** Environment overrides: a string sets a variable, `undefined` removes an inherited one. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

function childEnv(overrides: Readonly<Record<string, string | undefined>>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

/** Runs `node dist/cli/main.js ...args`; resolves whatever the exit code. */
export function runCli(args: readonly string[], opts: RunCliOptions = {}): Promise<CliResult> {
  const timeoutMs = opts.timeoutMs ?? 20_000;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_MAIN, ...args], {
      cwd: opts.cwd ?? REPO_ROOT,
      env: childEnv(opts.env ?? {}),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`naftiko ${args.join(' ')} timed out after ${timeoutMs} ms\nstderr: ${stderr}`),
      );
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Newest modification time (ms) of any file under a folder; 0 when it is empty or missing. */
function newestMtime(dir: string): number {
  let newest = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full));
    else if (entry.isFile()) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

function isStale(): boolean {
  let built: number;
  try {
    built = statSync(CLI_MAIN).mtimeMs;
  } catch {
    return true;
  }
  return newestMtime(path.join(REPO_ROOT, 'src')) > built;
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

const LOCK = path.join(REPO_ROOT, 'dist', '.test-build.lock');
const LOCK_STALE_MS = 5 * 60_000;

/** Takes the build lock (test files run in parallel workers); false when it could not. */
function acquireLock(): boolean {
  mkdirSync(path.dirname(LOCK), { recursive: true });
  const deadline = Date.now() + 3 * 60_000;
  while (Date.now() < deadline) {
    try {
      mkdirSync(LOCK);
      return true;
    } catch {
      try {
        if (Date.now() - statSync(LOCK).mtimeMs > LOCK_STALE_MS) rmSync(LOCK, { recursive: true });
      } catch {
        // released meanwhile
      }
      sleep(200);
    }
  }
  return false;
}

/**
 * Builds dist/ with `npm run build` when dist/cli/main.js is missing or older than a file in src/.
 * Call it from `beforeAll` (give the hook a generous timeout: a build takes seconds).
 */
export function ensureBuilt(): void {
  if (!isStale()) return;
  const locked = acquireLock();
  try {
    if (!isStale()) return; // another worker built it while we waited
    try {
      execFileSync('npm', ['run', 'build'], {
        cwd: REPO_ROOT,
        stdio: 'pipe',
        encoding: 'utf8',
        shell: process.platform === 'win32',
      });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      throw new Error(`npm run build failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
    }
  } finally {
    if (locked) rmSync(LOCK, { recursive: true, force: true });
  }
}
