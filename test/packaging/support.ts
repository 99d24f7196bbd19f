/**
 * Helpers for the packaging tests: pack the package as `npm pack` does, run commands and
 * long-running processes outside the repository, and a loopback stand-in for the seed's upstream.
 * Every temporary folder and process is tracked so that `cleanupAll()` leaves nothing behind.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/cli.js';

export { REPO_ROOT };
export const SEED = path.join(REPO_ROOT, 'specs', 'crm-crm-integration.yaml');
export const PACKAGE = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  bin: Record<string, string>;
  files: string[];
  engines: { node: string };
  exports: Record<string, string>;
};

const tempDirs: string[] = [];
const processes = new Set<Running>();

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `naftiko-${prefix}-`));
  tempDirs.push(dir);
  return dir;
}

/**
 * The environment of a child: npm's own `npm_*` variables (set when the tests run under
 * `npm test`) are removed so that a child npm reads only its command line and the user config.
 */
export function cleanEnv(overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(name)) env[name] = value;
  }
  env.NO_COLOR = '1';
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

export interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to its end; resolves whatever the exit code (rejects on timeout). */
export function run(
  command: string,
  args: readonly string[],
  opts: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<Result> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env ?? cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} timed out after ${timeoutMs} ms\n${stderr}`));
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

export interface PackedFile {
  readonly path: string;
  readonly size: number;
  readonly mode: number;
}

export interface Packed {
  readonly tarball: string;
  readonly size: number;
  readonly unpackedSize: number;
  readonly files: readonly PackedFile[];
}

/**
 * `npm pack` of the repository into `dest`, without its prepack script (the build), so that a
 * test never rewrites dist/ under other test files. dist/ must be built (ensureBuilt), which also
 * writes the engine schema (scripts/build-validators.mjs).
 */
export function pack(dest: string): Packed {
  const env = cleanEnv();
  const out = execFileSync(
    'npm',
    ['pack', '--ignore-scripts', '--json', '--pack-destination', dest],
    { cwd: REPO_ROOT, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const [info] = JSON.parse(out) as {
    filename: string;
    size: number;
    unpackedSize: number;
    files: PackedFile[];
  }[];
  if (info === undefined) throw new Error(`npm pack printed no package: ${out}`);
  return {
    tarball: path.join(dest, info.filename),
    size: info.size,
    unpackedSize: info.unpackedSize,
    files: info.files,
  };
}

/** A long-running process (`naftiko run`, the image's entry point) with its JSON log events. */
export interface Running {
  readonly pid: number;
  readonly events: Record<string, unknown>[];
  stdout(): string;
  stderr(): string;
  /** Resolves with the first event that matches, rejects when the process ends first. */
  waitFor(
    match: (event: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  /** Sends a signal and resolves with the exit code (null when it had to be killed). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
}

export function start(
  command: string,
  args: readonly string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv },
): Running {
  const child = spawn(command, args, {
    cwd: opts.cwd,
    env: opts.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let pending = '';
  const events: Record<string, unknown>[] = [];
  const listeners = new Set<() => void>();
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      exitCode = code;
      resolve(code);
      for (const l of listeners) l();
    }),
  );
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    pending += chunk;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      try {
        const parsed: unknown = JSON.parse(line);
        if (parsed !== null && typeof parsed === 'object') {
          events.push(parsed as Record<string, unknown>);
        }
      } catch {
        // not a JSON log line
      }
    }
    for (const l of listeners) l();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));

  const running: Running = {
    pid: child.pid ?? -1,
    events,
    stdout: () => out,
    stderr: () => err,
    waitFor(match, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find(match);
          if (found !== undefined) return done(() => resolve(found));
          if (exitCode !== undefined) {
            return done(() =>
              reject(new Error(`exited with ${exitCode} first\nstdout: ${out}\nstderr: ${err}`)),
            );
          }
        };
        const timer = setTimeout(
          () => done(() => reject(new Error(`timed out\nstdout: ${out}\nstderr: ${err}`))),
          timeoutMs,
        );
        const done = (then: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          then();
        };
        listeners.add(check);
        check();
      });
    },
    async stop(signal = 'SIGTERM', timeoutMs = 15_000) {
      if (exitCode === undefined) {
        child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        await exited;
        clearTimeout(timer);
      }
      processes.delete(running);
      return exitCode ?? null;
    },
  };
  processes.add(running);
  return running;
}

/** The port and URL of each `adapter.listening` event, by adapter type. */
export function listening(events: readonly Record<string, unknown>[]): Map<string, string> {
  const urls = new Map<string, string>();
  for (const e of events) {
    if (e.event === 'adapter.listening') urls.set(String(e.type), String(e.url));
  }
  return urls;
}

export interface Upstream {
  /** Base URI to give `--base-uri` (ends with /v2, like the seed's). */
  readonly baseUri: string;
  readonly requests: { method: string; url: string; authorization: string | undefined }[];
  close(): Promise<void>;
}

/** A loopback stand-in for Gong's API: every request answers 200 with a small JSON body. */
export async function startUpstream(): Promise<Upstream> {
  const requests: Upstream['requests'] = [];
  const server = http.createServer((req, res) => {
    requests.push({
      method: req.method ?? '',
      url: req.url ?? '',
      authorization: req.headers.authorization,
    });
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ requestId: 'packaging-test', integrations: [{ integrationId: 7 }] }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUri: `http://127.0.0.1:${port}/v2`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Stops every process still running and removes every temporary folder. */
export async function cleanupAll(): Promise<void> {
  await Promise.all([...processes].map((p) => p.stop('SIGKILL')));
  await Promise.all(tempDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}
