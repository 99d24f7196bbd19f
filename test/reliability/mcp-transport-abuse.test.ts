/**
 * Abuse of the engine's own MCP transport (issue 13: mcp-http.ts, dispatch.ts, exchange.ts,
 * subscriptions.ts): what one hostile or careless client can make a real `naftiko run` hold.
 * Each test drives the built CLI (specs/mcp-conformance.yaml, copied to a temporary folder so
 * that its watched resource can be edited) in front of a local upstream that answers every
 * route after UPSTREAM_DELAY_MS and records how many requests it holds at once.
 *
 * Written by a robustness review: each test states the defect it shows (and fails while it is
 * there); those marked "Guard" pass since the fix named. Descriptor counts come from /proc/<pid>/fd (Linux only: the tests
 * that need it are skipped elsewhere).
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, appendFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { createServer, request } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  REPO_ROOT,
  ensureBuilt,
  startCapability,
  stopAllCapabilities,
} from '../helpers/run-capability.js';
import { CLI_MAIN } from '../helpers/cli.js';

const MODERN = '2026-07-28';
const LEGACY = '2025-11-25';
const UPSTREAM_DELAY_MS = 200;
const HAS_PROC = existsSync('/proc/self/fd');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Answer {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** One POST/GET/DELETE on its own connection (no keep-alive), body read to its end. */
function call(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<Answer> {
  const { res } = open(url, init);
  return res.then(
    (r) =>
      new Promise<Answer>((resolve, reject) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () =>
          resolve({
            status: r.statusCode ?? 0,
            headers: r.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        r.on('error', reject);
      }),
  );
}

/** A request whose response is handed back as soon as its head arrives (streams). */
function open(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): { res: Promise<IncomingMessage>; abort: () => void } {
  const u = new URL(url);
  const data =
    init.body === undefined
      ? undefined
      : typeof init.body === 'string'
        ? init.body
        : JSON.stringify(init.body);
  const req = request({
    host: '127.0.0.1',
    port: u.port,
    path: u.pathname,
    method: init.method ?? 'POST',
    agent: false,
    headers: {
      host: `localhost:${u.port}`,
      ...(data !== undefined ? { 'content-length': String(Buffer.byteLength(data)) } : {}),
      ...init.headers,
    },
  });
  const res = new Promise<IncomingMessage>((resolve, reject) => {
    req.on('response', resolve);
    req.on('error', reject);
  });
  if (data !== undefined) req.write(data);
  req.end();
  return { res, abort: () => req.destroy() };
}

const JSON_AND_SSE = 'application/json, text/event-stream';

async function initialize(url: string): Promise<string> {
  const r = await call(url, {
    headers: { 'content-type': 'application/json', accept: JSON_AND_SSE },
    body: {
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: {
        protocolVersion: LEGACY,
        capabilities: {},
        clientInfo: { name: 't', version: '1' },
      },
    },
  });
  const sid = r.headers['mcp-session-id'];
  if (typeof sid !== 'string') throw new Error(`initialize: ${r.status} ${r.body}`);
  return sid;
}

function sessionHeaders(sid: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    accept: JSON_AND_SSE,
    'mcp-session-id': sid,
    'mcp-protocol-version': LEGACY,
  };
}

function listenRequest(id: number, uris: readonly string[]) {
  return {
    headers: {
      'content-type': 'application/json',
      accept: JSON_AND_SSE,
      'mcp-protocol-version': MODERN,
      'mcp-method': 'subscriptions/listen',
    },
    body: {
      jsonrpc: '2.0',
      id,
      method: 'subscriptions/listen',
      params: {
        notifications: { resourceSubscriptions: uris },
        _meta: {
          'io.modelcontextprotocol/protocolVersion': MODERN,
          'io.modelcontextprotocol/clientCapabilities': {},
        },
      },
    },
  };
}

/** The JSON-RPC messages of an event stream received so far. */
function frames(text: string): Record<string, unknown>[] {
  return text
    .split('\n\n')
    .map((f) => f.split('\n').find((l) => l.startsWith('data: ')))
    .filter((l): l is string => l !== undefined)
    .map((l) => JSON.parse(l.slice(6)) as Record<string, unknown>);
}

function fdCount(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** Samples the process's descriptor count every 5 ms while `work` runs; resolves the peak. */
async function peakFds<T>(pid: number, work: Promise<T>): Promise<{ peak: number; value: T }> {
  let peak = fdCount(pid);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, fdCount(pid));
    } catch {
      // the process is gone
    }
  }, 5);
  try {
    const value = await work;
    return { peak, value };
  } finally {
    clearInterval(timer);
  }
}

// ---------------------------------------------------------------------------------------------
// The upstream: every route answers after UPSTREAM_DELAY_MS; counts requests and the most held.

let upstream: Server;
let upstreamUrl = '';
let held = 0;
let maxHeld = 0;
let received = 0;

let specDir = '';
let spec = '';
let watchedFile = '';

beforeAll(async () => {
  ensureBuilt();
  specDir = mkdtempSync(path.join(tmpdir(), 'naftiko-mcp-abuse-'));
  cpSync(path.join(REPO_ROOT, 'specs/mcp-conformance.yaml'), path.join(specDir, 'spec.yaml'));
  cpSync(path.join(REPO_ROOT, 'specs/mcp-conformance'), path.join(specDir, 'mcp-conformance'), {
    recursive: true,
  });
  spec = path.join(specDir, 'spec.yaml');
  watchedFile = path.join(specDir, 'mcp-conformance/watched-resource.txt');
  upstream = createServer((req, res) => {
    received++;
    held++;
    maxHeld = Math.max(maxHeld, held);
    setTimeout(() => {
      held--;
      const p = new URL(req.url ?? '/', 'http://x').pathname;
      if (p === '/error') {
        res.writeHead(400, { 'content-type': 'text/plain' }).end('intentional error');
      } else {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"step":1,"done":true}');
      }
    }, UPSTREAM_DELAY_MS);
  });
  upstream.keepAliveTimeout = 500;
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
}, 120_000);

afterEach(async () => {
  await stopAllCapabilities();
  held = 0;
  maxHeld = 0;
  received = 0;
});

afterAll(async () => {
  await stopAllCapabilities();
  upstream.closeAllConnections();
  await new Promise<void>((r) => upstream.close(() => r()));
  if (specDir !== '') rmSync(specDir, { recursive: true, force: true });
});

const run = (args: readonly string[] = []) =>
  startCapability(spec, ['--base-uri', `fixture=${upstreamUrl}`, ...args]);

describe('MCP transport under abuse', () => {
  it('one batch of 2,000 tools/call does not hold 2,000 upstream requests at once', async () => {
    // Guard (fixed by 8c9640b, MAX_BATCH = 100): before it, mcp-http.ts legacy() ran every
    // request of a batch at once (Promise.all over the whole array): 10,000 calls in one 900 KB
    // POST held 10,003 sockets at once, RSS 121 -> 286 MB, 11.8 s.
    const engine = await run();
    const sid = await initialize(engine.url);
    const batch = Array.from({ length: 2_000 }, (_, i) => ({
      jsonrpc: '2.0',
      id: i + 1,
      method: 'tools/call',
      params: { name: 'test_error_handling' },
    }));
    const r = await call(engine.url, { headers: sessionHeaders(sid), body: batch });
    // Refusing the batch whole is fine too; running it must not fan out without bound.
    if (r.status === 200) expect(JSON.parse(r.body)).toHaveLength(2_000);
    expect(maxHeld, `upstream requests held at once (of ${received})`).toBeLessThanOrEqual(256);
  }, 20_000);

  it.skipIf(!HAS_PROC)(
    'one batch of 5,000 resources/read does not open 5,000 file descriptors at once',
    async () => {
      // Guard (fixed by 8c9640b): before it, 10,000 reads in one POST held 10,022 descriptors
      // at once; three such POSTs at once reached the process limit (20,000), answered -32603 to
      // reads and reset a connection.
      const engine = await run();
      const sid = await initialize(engine.url);
      const baseline = fdCount(engine.pid);
      const batch = Array.from({ length: 5_000 }, (_, i) => ({
        jsonrpc: '2.0',
        id: i + 1,
        method: 'resources/read',
        params: { uri: 'test://static-binary' },
      }));
      const sampled = await peakFds(
        engine.pid,
        call(engine.url, { headers: sessionHeaders(sid), body: batch }),
      );
      const r = sampled.value;
      expect([200, 400, 413]).toContain(r.status);
      expect(sampled.peak - baseline, 'descriptors opened by one request').toBeLessThan(1_000);
    },
    20_000,
  );

  it('--rate-limit counts the messages of a batch, not only the HTTP request', async () => {
    // Defect: the rate limiter (http-limits.ts) counts HTTP requests; a batch of 100 tools/call
    // (the most MAX_BATCH allows) is one request, so `--rate-limit 5` lets 100 upstream calls
    // through in one go (x100 the documented requests per minute per client).
    const engine = await run(['--rate-limit', '5']);
    const sid = await initialize(engine.url);
    const batch = Array.from({ length: 100 }, (_, i) => ({
      jsonrpc: '2.0',
      id: i + 1,
      method: 'tools/call',
      params: { name: 'test_error_handling' },
    }));
    await call(engine.url, { headers: sessionHeaders(sid), body: batch });
    expect(
      received,
      'upstream calls let through by one batch under --rate-limit 5',
    ).toBeLessThanOrEqual(5);
  }, 20_000);

  it('subscriptions/listen with a URI repeated gets one notification per change, and is cheap', async () => {
    // Defect: mcp-http.ts listen() neither deduplicates `resourceSubscriptions` nor bounds it:
    // each repetition is checked with synchronous file-system calls (30,000 repetitions blocked
    // the event loop 1.2 s: a concurrent ping waited 1,166 ms), echoed in the acknowledgement,
    // and watched separately, so one change of the file writes one frame per repetition (a
    // client that does not read made the engine buffer ~20 MB per change).
    const engine = await run();
    const repeats = 20_000;
    const { headers, body } = listenRequest(1, Array(repeats).fill('test://watched-resource'));
    const started = Date.now();
    const stream = open(engine.url, { headers, body });
    const res = await stream.res;
    const openMs = Date.now() - started;
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (c: string) => (text += c));
    await sleep(300);
    const ack = frames(text)[0] as {
      params?: { notifications?: { resourceSubscriptions?: unknown[] } };
    };
    appendFileSync(watchedFile, 'changed\n');
    await sleep(1_000);
    stream.abort();
    const updates = frames(text).filter((f) => f['method'] === 'notifications/resources/updated');
    expect(res.statusCode).toBe(200);
    expect.soft(ack.params?.notifications?.resourceSubscriptions ?? []).toHaveLength(1);
    expect.soft(updates, 'notifications for one change of one file').toHaveLength(1);
    expect.soft(openMs, 'ms to open the stream').toBeLessThan(500);
  }, 20_000);

  it.skipIf(!HAS_PROC)(
    'subscriptions/listen streams are bounded like sessions (--mcp-max-sessions)',
    async () => {
      // Defect: a 2025-11-25 client can hold at most --mcp-max-sessions GET streams, but
      // subscriptions/listen streams have no bound at all (3,000 measured open at once, one
      // socket each: the only limit is the process's descriptor limit, shared with upstream
      // calls and file reads), stateless or not.
      const engine = await run(['--mcp-max-sessions', '5']);
      const baseline = fdCount(engine.pid);
      const streams = [];
      for (let i = 0; i < 50; i++) {
        const { headers, body } = listenRequest(i + 1, ['test://watched-resource']);
        streams.push(open(engine.url, { headers, body }));
      }
      const statuses = await Promise.all(streams.map((s) => s.res.then((r) => r.statusCode)));
      const openFds = fdCount(engine.pid) - baseline;
      for (const s of streams) s.abort();
      expect(
        statuses.filter((s) => s === 200).length,
        `listen streams accepted with --mcp-max-sessions 5 (+${openFds} descriptors)`,
      ).toBeLessThanOrEqual(5);
    },
    20_000,
  );

  it('a listen client that stops reading does not hold a graceful stop for the whole grace period', async () => {
    // Defect: retire() (mcp-http.ts) ends listen streams with res.end() and then waits for
    // `inflight` to reach 0, which counts the listen stream until its response is flushed: a
    // client that stopped reading (backlog past the socket buffers) keeps it above 0, so SIGTERM
    // takes the full 10 s grace (10,583 ms measured; 2,855 ms for the same in-flight calls
    // without that client). A standing stream being let go need not be drained.
    const engine = await run();
    const { headers, body } = listenRequest(1, Array(20_000).fill('test://watched-resource'));
    const stream = open(engine.url, { headers, body });
    const res = await stream.res;
    res.pause(); // the client stops reading
    appendFileSync(watchedFile, 'a\n');
    await sleep(500);
    appendFileSync(watchedFile, 'b\n');
    await sleep(500);
    const started = Date.now();
    const code = await engine.stop('SIGTERM', 15_000);
    const ms = Date.now() - started;
    stream.abort();
    expect(code).toBe(0);
    expect(ms, 'ms from SIGTERM to exit, nothing else in flight').toBeLessThan(5_000);
  }, 20_000);

  it('stdio: a subscriptions/listen that reuses an id is not orphaned (cancel ends it)', async () => {
    // Defect: mcp-stdio.ts listen() keys open listens by request id (`listens.set(id, ...)`): a
    // second listen with the same id replaces the first without ending it, so after
    // notifications/cancelled for that id the first one's watch stays forever and keeps
    // writing notifications/resources/updated tagged with the cancelled subscription id.
    const child = spawn(
      process.execPath,
      [CLI_MAIN, 'run', spec, '--stdio', '--base-uri', `fixture=${upstreamUrl}`],
      { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    const out: string[] = [];
    createInterface({ input: child.stdout }).on('line', (l) => out.push(l));
    const ready = new Promise<void>((resolve) => {
      let err = '';
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        if (err.includes('ready')) resolve();
      });
    });
    const exited = new Promise((r) => child.once('exit', r));
    try {
      await Promise.race([ready, sleep(10_000)]);
      const send = (m: unknown) => child.stdin.write(`${JSON.stringify(m)}\n`);
      const listen = listenRequest(7, ['test://watched-resource']).body;
      send(listen);
      send(listen);
      await sleep(300);
      send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 7 } });
      await sleep(300);
      const after = out.length;
      appendFileSync(watchedFile, 'stdio\n');
      await sleep(800);
      const late = out
        .slice(after)
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((m) => m['method'] === 'notifications/resources/updated');
      expect(late, 'notifications after the listen (id 7) was cancelled').toHaveLength(0);
    } finally {
      child.stdin.end();
      await Promise.race([exited, sleep(5_000)]);
      child.kill('SIGKILL');
    }
  }, 20_000);

  it('a cancelled tools/call is not answered as an internal error', async () => {
    // Guard (fixed by b69bb3a): before it, the aborted call was answered with the tool result
    // "INTERNAL: Unexpected internal error" (call-tool.ts mapped the AbortError like an engine
    // failure).
    const engine = await run();
    const sid = await initialize(engine.url);
    const pending = call(engine.url, {
      headers: sessionHeaders(sid),
      body: {
        jsonrpc: '2.0',
        id: 'slow',
        method: 'tools/call',
        params: { name: 'test_tool_with_progress', arguments: {} },
      },
    });
    await sleep(UPSTREAM_DELAY_MS / 2);
    const cancel = await call(engine.url, {
      headers: sessionHeaders(sid),
      body: {
        jsonrpc: '2.0',
        method: 'notifications/cancelled',
        params: { requestId: 'slow', reason: 'user' },
      },
    });
    expect(cancel.status).toBe(202);
    const r = await pending;
    expect(r.body).not.toContain('INTERNAL');
    expect(r.body).not.toMatch(/internal error/i);
  }, 20_000);
});
