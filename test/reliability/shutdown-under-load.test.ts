/**
 * Shutdown under load (issue 11): SIGTERM while autocannon drives the seed's REST adapter (and,
 * in a second test, its stateless MCP adapter with tools/call) over
 * keep-alive connections (c = 32, a real `naftiko run` subprocess, an upstream that answers after
 * 50 ms so that requests are in flight when the signal arrives). Every request either completes
 * or was never accepted, and the engine exits 0 within its grace period (10 s of drain).
 *
 * Telling "accepted" from "never accepted": the upstream numbers every answer it sends (`seq` in
 * the body) and records every request it receives. A request the upstream received was accepted
 * by the engine, so it must come back to the client as a complete 2xx carrying that seq; so must
 * every answer the upstream finished. Any response at all (2xx or not) is an accepted request
 * too, so non-2xx responses must be 0. What remains are connection errors (refused after the
 * listener closed, reset on a keep-alive connection closed while idle): requests the engine
 * never read, reported apart. (A request the engine read and then dropped before calling the
 * upstream would hide among them: the engine's graceful stop never does that, since routing
 * is synchronous up to the upstream call; and the engine's access log, one line per request it
 * answered, must agree with the upstream's count.)
 */
import type { ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startUpstream } from '../consumes/http/helpers/upstream.js';
import type { Upstream } from '../consumes/http/helpers/upstream.js';
import {
  REPO_ROOT,
  ensureBuilt,
  startCapability,
  stopAllCapabilities,
} from '../helpers/run-capability.js';

// autocannon (a devDependency, CommonJS) ships no types: the part used here, typed locally.
interface AutocannonResult {
  readonly requests: { readonly total: number };
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  readonly '2xx': number;
}
interface AutocannonInstance {
  on(event: 'reqError', listener: (err: NodeJS.ErrnoException) => void): void;
  stop(): void;
}
type Autocannon = (
  options: Record<string, unknown>,
  done: (err: Error | null, result: AutocannonResult) => void,
) => AutocannonInstance;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const SEED = path.join(REPO_ROOT, 'specs/crm-crm-integration.yaml');
const UPSTREAM_DELAY_MS = 50;
const CONNECTIONS = 32;
const DRAIN_MS = 10_000; // src/cli/commands/run.ts: what the engine gives in-flight requests
const PADDING = 'x'.repeat(8_000); // a body of ~8 KB: truncation would not go unnoticed

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let upstream: Upstream;
let seq = 0;
/** seq of every answer the upstream finished sending. */
const served = new Set<number>();
/** seq → when the upstream received that request and when it finished answering it. */
const times = new Map<number, { receivedAt: number; servedAt?: number }>();

beforeAll(async () => {
  ensureBuilt();
  upstream = await startUpstream((_req, res: ServerResponse) => {
    const n = ++seq;
    const entry: { receivedAt: number; servedAt?: number } = { receivedAt: Date.now() };
    times.set(n, entry);
    const body = Buffer.from(
      JSON.stringify({ seq: n, integrations: [{ integrationId: String(n) }], padding: PADDING }),
    );
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.on('finish', () => {
        served.add(n);
        entry.servedAt = Date.now();
      });
      res.end(body);
    }, UPSTREAM_DELAY_MS);
  });
}, 120_000);
afterEach(() => stopAllCapabilities());
afterAll(() => upstream?.close());

describe('SIGTERM under keep-alive load', () => {
  it('completes every accepted request, refuses the rest, and exits 0 within the grace period', async () => {
    const engine = await startCapability(
      SEED,
      [
        '--base-uri',
        `crm-crm-integration=${upstream.url}/v2`,
        '--address',
        '*=127.0.0.1',
        '--access-log',
      ],
      { GONG_API_KEY: 'shutdown-test-token' },
    );
    const restUrl = engine.urls.get('crm-crm-integration-rest');
    expect(restUrl).toBeDefined();
    const url = `${restUrl}/v1/crm/integrations`;
    const probe = await fetch(url);
    expect(probe.status).toBe(200);
    await probe.text();
    const before = { received: upstream.requests.length };
    const servedBefore = new Set(served);

    // The client side: every complete 2xx with its seq, everything else by kind.
    const received = new Set<number>();
    let non2xx = 0;
    let badBodies = 0;
    let after2xx = 0; // complete 2xx received after SIGTERM was sent
    let sigtermAt = 0;
    const connErrors: Record<string, number> = {};
    let stopLoad = () => {};
    const result = new Promise<AutocannonResult>((resolve, reject) => {
      const instance = autocannon(
        {
          url,
          connections: CONNECTIONS,
          pipelining: 1,
          duration: 15, // stopped once the engine has exited
          requests: [
            {
              onResponse(status: number, body: string) {
                if (status < 200 || status >= 300) return void non2xx++;
                try {
                  const parsed = JSON.parse(body) as { seq?: unknown; padding?: unknown };
                  if (typeof parsed.seq !== 'number' || parsed.padding !== PADDING)
                    return void badBodies++;
                  received.add(parsed.seq);
                  if (sigtermAt > 0) after2xx++;
                } catch {
                  badBodies++;
                }
              },
            },
          ],
        },
        (err, res) => (err ? reject(err) : resolve(res)),
      );
      instance.on('reqError', (err) => {
        const kind = err.code ?? err.message;
        connErrors[kind] = (connErrors[kind] ?? 0) + 1;
      });
      stopLoad = () => instance.stop();
    });

    await sleep(1_000);
    sigtermAt = Date.now();
    const code = await engine.stop('SIGTERM', DRAIN_MS + 5_000);
    const exitMs = Date.now() - sigtermAt;
    await sleep(300); // let the last responses and refusals reach the client
    stopLoad();
    const load = await result;

    const upstreamReceived = upstream.requests.length - before.received;
    // Requests the upstream had received but not yet answered when the signal was sent.
    const inFlightAtSigterm = [...times.values()].filter(
      (t) => t.receivedAt < sigtermAt && !(t.servedAt !== undefined && t.servedAt < sigtermAt),
    ).length;
    const upstreamServed = [...served].filter((n) => !servedBefore.has(n));
    const lost = upstreamServed.filter((n) => !received.has(n));
    const unknown = [...received].filter((n) => !served.has(n));
    // The engine's own account (--access-log: one line per request a REST operation answered),
    // the probe left out.
    const accessLines = engine.events.filter((e) => e.event === 'request').slice(1);
    const accessNot200 = accessLines.filter((e) => e.status !== 200).map((e) => e.status);
    const engineErrors = engine.events.filter((e) => e.level === 'error' || e.level === 50);
    const refused = Object.values(connErrors).reduce((a, b) => a + b, 0);
    const report = {
      exitCode: code,
      exitMs,
      inFlightAtSigterm,
      accepted: upstreamReceived + non2xx,
      upstreamReceived,
      upstreamServed: upstreamServed.length,
      completed2xx: received.size,
      completedAfterSigterm: after2xx,
      acceptedButFailed:
        lost.length + non2xx + badBodies + (upstreamReceived - upstreamServed.length),
      non2xx,
      badBodies,
      notAccepted: { total: refused, byKind: connErrors },
      autocannon: {
        total: load.requests.total,
        '2xx': load['2xx'],
        non2xx: load.non2xx,
        errors: load.errors,
        timeouts: load.timeouts,
      },
      accessLogged: accessLines.length,
      accessLoggedNot200: accessNot200,
      engineErrors: engineErrors.map((e) => String(e.msg ?? e.message ?? e.event)),
    };
    console.log(`shutdown under load: ${JSON.stringify(report)}`);

    // The scenario really happened: requests were in flight when the signal came.
    expect(inFlightAtSigterm, JSON.stringify(report)).toBeGreaterThan(0);
    expect(after2xx, JSON.stringify(report)).toBeGreaterThan(0);
    expect(received.size, JSON.stringify(report)).toBeGreaterThan(100);
    // Exit 0, well within the grace period.
    expect(code, JSON.stringify(report)).toBe(0);
    expect(exitMs, JSON.stringify(report)).toBeLessThan(DRAIN_MS);
    // Every response was a complete 2xx; every request the upstream saw was answered to the client.
    expect(non2xx, JSON.stringify(report)).toBe(0);
    expect(badBodies, JSON.stringify(report)).toBe(0);
    expect(upstreamServed.length, JSON.stringify(report)).toBe(upstreamReceived);
    expect(lost, JSON.stringify(report)).toEqual([]);
    expect(unknown, JSON.stringify(report)).toEqual([]);
    expect(accessNot200, JSON.stringify(report)).toEqual([]);
    expect(accessLines.length, JSON.stringify(report)).toBe(upstreamReceived);
    expect(engineErrors, JSON.stringify(report)).toEqual([]);
  }, 30_000);

  it('completes every accepted MCP tool call (stateless), and exits 0 within the grace period', async () => {
    const engine = await startCapability(
      SEED,
      [
        '--base-uri',
        `crm-crm-integration=${upstream.url}/v2`,
        '--address',
        '*=127.0.0.1',
        '--mcp-stateless',
      ],
      { GONG_API_KEY: 'shutdown-test-token' },
    );
    const mcpUrl = engine.urls.get('crm-crm-integration-mcp') as string;
    const headers = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    };
    let id = 0;
    const call = () =>
      JSON.stringify({
        jsonrpc: '2.0',
        id: ++id,
        method: 'tools/call',
        params: { name: 'gong-get-crm-integration-details', arguments: {} },
      });
    const probe = await fetch(mcpUrl, { method: 'POST', headers, body: call() });
    expect(probe.status).toBe(200);
    await probe.text();
    const before = upstream.requests.length;
    const servedBefore = new Set(served);

    /** The upstream's seq carried by a complete tool result, or undefined. */
    const seqOf = (body: string): number | undefined => {
      try {
        // A JSON body, or an SSE event whose `data:` line carries the JSON-RPC message.
        const data = body.startsWith('{')
          ? body
          : (body
              .split('\n')
              .find((line) => line.startsWith('data: '))
              ?.slice(6) ?? '');
        const rpc = JSON.parse(data) as {
          result?: { isError?: boolean; content?: { text?: string }[] };
        };
        if (rpc.result === undefined || rpc.result.isError === true) return undefined;
        const inner = JSON.parse(rpc.result.content?.[0]?.text ?? '') as {
          seq?: unknown;
          padding?: unknown;
        };
        return typeof inner.seq === 'number' && inner.padding === PADDING ? inner.seq : undefined;
      } catch {
        return undefined;
      }
    };
    const received = new Set<number>();
    let failedCalls = 0;
    let refusedWhileStopping = 0;
    const failedSamples: string[] = [];
    let sigtermAt = 0;
    let after = 0;
    const connErrors: Record<string, number> = {};
    let stopLoad = () => {};
    const result = new Promise<AutocannonResult>((resolve, reject) => {
      const instance = autocannon(
        {
          url: mcpUrl,
          method: 'POST',
          headers,
          connections: 16,
          pipelining: 1,
          duration: 15,
          requests: [
            {
              setupRequest: (req: Record<string, unknown>) => ({ ...req, body: call() }),
              onResponse(status: number, body: string) {
                // A call that came in once draining had begun is refused whole, before any
                // work (503 and a JSON-RPC error): not accepted, counted apart.
                if (status === 503 && body.includes('the server is stopping')) {
                  return void refusedWhileStopping++;
                }
                const n = status === 200 ? seqOf(body) : undefined;
                if (n === undefined) {
                  if (failedSamples.length < 3)
                    failedSamples.push(`${status} ${body.slice(0, 300)}`);
                  return void failedCalls++;
                }
                received.add(n);
                if (sigtermAt > 0) after++;
              },
            },
          ],
        },
        (err, res) => (err ? reject(err) : resolve(res)),
      );
      instance.on('reqError', (err) => {
        const kind = err.code ?? err.message;
        connErrors[kind] = (connErrors[kind] ?? 0) + 1;
      });
      stopLoad = () => instance.stop();
    });

    await sleep(1_000);
    sigtermAt = Date.now();
    const code = await engine.stop('SIGTERM', DRAIN_MS + 5_000);
    const exitMs = Date.now() - sigtermAt;
    await sleep(300);
    stopLoad();
    await result;

    const upstreamReceived = upstream.requests.length - before;
    const upstreamServed = [...served].filter((n) => !servedBefore.has(n));
    const lost = upstreamServed.filter((n) => !received.has(n));
    const engineErrors = engine.events.filter((e) => e.level === 'error' || e.level === 50);
    const report = {
      exitCode: code,
      exitMs,
      upstreamReceived,
      upstreamServed: upstreamServed.length,
      completed: received.size,
      completedAfterSigterm: after,
      failedCalls,
      failedSamples,
      refusedWhileStopping,
      lost: lost.length,
      notAccepted: connErrors,
      engineErrors: engineErrors.map((e) => String(e.msg ?? e.message ?? e.event)),
    };
    console.log(`mcp shutdown under load: ${JSON.stringify(report)}`);

    expect(received.size, JSON.stringify(report)).toBeGreaterThan(50);
    expect(after, JSON.stringify(report)).toBeGreaterThan(0);
    expect(code, JSON.stringify(report)).toBe(0);
    expect(exitMs, JSON.stringify(report)).toBeLessThan(DRAIN_MS);
    // Every answered call was a complete tool result; every call the upstream saw reached the client.
    expect(failedCalls, JSON.stringify(report)).toBe(0);
    expect(upstreamServed.length, JSON.stringify(report)).toBe(upstreamReceived);
    expect(lost, JSON.stringify(report)).toEqual([]);
    expect(engineErrors, JSON.stringify(report)).toEqual([]);
  }, 30_000);
});
