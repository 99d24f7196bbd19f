/**
 * Runs `naftiko run <spec>` as a real subprocess (node dist/cli/main.js), the way a user does, for
 * end-to-end tests over real HTTP. `startCapability` waits for the `capability.ready` log line and
 * hands back the adapters' URLs; `stop()` sends SIGTERM and resolves with the exit code.
 * `runCapability` runs a command that is expected to end by itself (startup failures).
 *
 * Every started process is tracked: call `stopAllCapabilities()` from `afterEach`/`afterAll` so a
 * failed assertion never leaves an engine running.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import net from 'node:net';
import { CLI_MAIN, REPO_ROOT, ensureBuilt } from './cli.js';

export { ensureBuilt, REPO_ROOT };

/** Environment overrides: a string sets a variable, `undefined` removes an inherited one. */
export type EnvOverrides = Record<string, string | undefined>;

export interface StartOptions {
  /** Milliseconds to wait for `capability.ready` before killing the process; 15 s by default. */
  readonly readyTimeoutMs?: number;
  /** Working directory; the repository root by default. */
  readonly cwd?: string;
  /** Add `--port '*=0'` (any free port) before the caller's arguments; true by default. */
  readonly anyPort?: boolean;
}

export interface RunningCapability {
  /** namespace → base URL of each listening adapter (the real port when 0 was asked). */
  readonly urls: Map<string, string>;
  /** The adapter URL of the only (or first) listening adapter. */
  readonly url: string;
  /** Every stdout line so far (live). */
  readonly lines: string[];
  /** Every stdout line that parsed as a JSON object (live). */
  readonly events: Record<string, unknown>[];
  /** Everything written to stdout so far. */
  stdout(): string;
  /** Everything written to stderr so far. */
  stderr(): string;
  readonly pid: number;
  /** Resolves when the process has exited, with its code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /**
   * Sends a signal (SIGTERM by default) and resolves with the exit code; the process is killed
   * (code null) when it has not exited after `timeoutMs` (12 s: the engine drains up to 10 s).
   * Safe to call more than once, and after the process has exited.
   */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
}

/** A `naftiko run` that ended (or was made to end) before it was ready. */
export class CapabilityExitError extends Error {
  constructor(
    message: string,
    readonly code: number | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(message);
    this.name = 'CapabilityExitError';
  }
}

export interface ExitResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const live = new Set<RunningCapability>();

function childEnv(overrides: EnvOverrides): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

function spawnRun(
  spec: string,
  args: readonly string[],
  env: EnvOverrides,
  cwd: string | undefined,
): ChildProcess {
  return spawn(process.execPath, [CLI_MAIN, 'run', spec, ...args], {
    cwd: cwd ?? REPO_ROOT,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function parseJsonLine(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** `rest adapter "ns" listening on http://…` (pretty format). */
const PRETTY_LISTENING = /^(\w+) adapter "([^"]+)" listening on (\S+)(?: \([^)]*\))?$/;

/**
 * Starts `naftiko run <spec> --log-format json --port '*=0' ...args` and resolves once it logged
 * `capability.ready` (or, with `--log-format pretty` in args, its `ready:` line). Rejects with a
 * CapabilityExitError when the process exits first or is not ready in time (it is killed then).
 */
export function startCapability(
  spec: string,
  args: readonly string[] = [],
  env: EnvOverrides = {},
  options: StartOptions = {},
): Promise<RunningCapability> {
  const readyTimeoutMs = options.readyTimeoutMs ?? 15_000;
  const defaults = [
    '--log-format',
    'json',
    ...(options.anyPort === false ? [] : ['--port', '*=0']),
  ];
  // Defaults first: a later --log-format or --port for a namespace in args wins.
  const child = spawnRun(spec, [...defaults, ...args], env, options.cwd);
  const lines: string[] = [];
  const events: Record<string, unknown>[] = [];
  const urls = new Map<string, string>();
  let stdout = '';
  let stderr = '';
  let pending = '';
  let exitCode: number | null | undefined;

  const exited = new Promise<number | null>((resolve) => {
    // 'close' (not 'exit'): stdout and stderr have been read to their end by then.
    child.on('close', (code) => {
      exitCode = code;
      resolve(code);
    });
  });

  let stopping: Promise<number | null> | undefined;
  const running: RunningCapability = {
    urls,
    get url() {
      const first = urls.values().next();
      if (first.done) throw new Error('no adapter is listening');
      return first.value;
    },
    lines,
    events,
    stdout: () => stdout,
    stderr: () => stderr,
    pid: child.pid ?? -1,
    exited,
    stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 12_000) {
      stopping ??= (async () => {
        if (exitCode === undefined) child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        try {
          return await exited;
        } finally {
          clearTimeout(timer);
          live.delete(running);
        }
      })();
      return stopping;
    },
  };
  live.add(running);

  return new Promise<RunningCapability>((resolve, reject) => {
    let settled = false;
    const fail = (message: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const code = exitCode === undefined ? null : exitCode;
      reject(new CapabilityExitError(message, code, stdout, stderr));
    };
    const timer = setTimeout(() => {
      void running.stop('SIGKILL', 2_000);
      fail(
        `naftiko run ${spec} was not ready after ${readyTimeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`,
      );
    }, readyTimeoutMs);

    const onLine = (line: string) => {
      lines.push(line);
      const event = parseJsonLine(line);
      if (event !== undefined) {
        events.push(event);
        if (
          event.event === 'adapter.listening' &&
          typeof event.namespace === 'string' &&
          typeof event.url === 'string'
        )
          urls.set(event.namespace, event.url);
      } else {
        const match = PRETTY_LISTENING.exec(line);
        if (match?.[2] !== undefined && match[3] !== undefined) urls.set(match[2], match[3]);
      }
      const ready =
        event !== undefined ? event.event === 'capability.ready' : line.startsWith('ready: ');
      if (ready && !settled) {
        settled = true;
        clearTimeout(timer);
        resolve(running);
      }
    };

    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        onLine(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
      }
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (err) => fail(`cannot start naftiko: ${err.message}`));
    void exited.then((code) => {
      live.delete(running);
      fail(`naftiko run ${spec} exited with code ${code} before it was ready\nstderr: ${stderr}`);
    });
  });
}

/**
 * Runs `naftiko run <spec> ...args` expecting it to end by itself (a startup failure); the
 * process is killed and the promise rejects after `timeoutMs` (10 s by default).
 */
export function runCapability(
  spec: string,
  args: readonly string[] = [],
  env: EnvOverrides = {},
  options: { readonly timeoutMs?: number; readonly cwd?: string } = {},
): Promise<ExitResult> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const child = spawnRun(spec, args, env, options.cwd);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new CapabilityExitError(
          `naftiko run ${spec} ${args.join(' ')} did not exit within ${timeoutMs} ms`,
          null,
          stdout,
          stderr,
        ),
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

/** Stops every capability started by this module that is still running. */
export async function stopAllCapabilities(): Promise<void> {
  await Promise.all([...live].map((c) => c.stop()));
}

/** A TCP port that was free a moment ago (nothing listens on it when this resolves). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Occupies a port on every interface until `close()` is called. */
export async function occupyPort(): Promise<{ port: number; close(): Promise<void> }> {
  const server = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Resolves with the first log event named `event` among those after index `after` (take
 * `run.events.length` before causing it); rejects after `timeoutMs`, quoting the output.
 */
export function waitForEvent(
  run: RunningCapability,
  event: string,
  after: number,
  timeoutMs = 5_000,
): Promise<Record<string, unknown>> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      const found = run.events.slice(after).find((e) => e.event === event);
      if (found !== undefined) return resolve(found);
      if (Date.now() - start > timeoutMs) {
        return reject(new Error(`no ${event} within ${timeoutMs} ms:\n${run.stdout()}`));
      }
      setTimeout(tick, 20);
    };
    tick();
  });
}
