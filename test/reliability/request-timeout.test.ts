/**
 * `--request-timeout` (every HTTP adapter): a client that sends its head or body too slowly gets
 * 408 and its connection is closed, so slow clients cannot hold connections open for ever
 * (before, fastify's requestTimeout of 0 let a slow POST body stay open indefinitely). Answers that
 * stream are not cut: an MCP GET stream of a session stays open past the timeout. Real engine
 * subprocess, raw sockets on 127.0.0.1.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeJsonUpstreams, startJsonUpstream } from '../helpers/json-upstream.js';
import {
  ensureBuilt,
  runCapability,
  startCapability,
  stopAllCapabilities,
} from '../helpers/run-capability.js';
import type { RunningCapability } from '../helpers/run-capability.js';
import { CONSUMES_NS, MCP_NS, REST_NS, SEED } from '../e2e/support.js';
import { LEGACY_VERSION, initialize, open } from '../exposes/mcp/helpers/raw-mcp.js';

let upstream: string;
let engine: RunningCapability;

beforeAll(async () => {
  ensureBuilt();
  upstream = await startJsonUpstream({ integrations: [] });
  engine = await startCapability(
    SEED,
    ['--request-timeout', '1', '--base-uri', `${CONSUMES_NS}=${upstream}`],
    { GONG_API_KEY: 'timeout-test-key' },
  );
}, 60_000);
afterAll(async () => {
  await stopAllCapabilities();
  await closeJsonUpstreams();
});

/** Writes `head` (and never the rest) on a raw socket: what comes back, and when it closed. */
function slowClient(
  url: string,
  head: string,
  waitMs = 8_000,
): Promise<{ text: string; closedAfterMs: number | undefined }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let text = '';
    const socket = connect(Number(port), hostname, () => socket.write(head));
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', () => undefined);
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text, closedAfterMs: undefined });
    }, waitMs);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closedAfterMs: Date.now() - started });
    });
    socket.on('timeout', () => reject(new Error('socket timeout')));
  });
}

describe('--request-timeout', () => {
  it('answers 408 and closes a connection whose body does not arrive in time', async () => {
    const url = engine.urls.get(REST_NS) as string;
    const { host } = new URL(url);
    const result = await slowClient(
      url,
      `POST /v1/crm/integrations HTTP/1.1\r\nhost: ${host}\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"name":`,
    );
    expect(result.closedAfterMs, 'the connection is closed').toBeDefined();
    expect(result.closedAfterMs as number).toBeGreaterThanOrEqual(900);
    expect(result.closedAfterMs as number).toBeLessThan(5_000);
    expect(result.text).toMatch(/^HTTP\/1\.1 408 /);
  }, 20_000);

  it('answers 408 and closes a connection whose head does not arrive in time', async () => {
    const url = engine.urls.get(MCP_NS) as string;
    const { host } = new URL(url);
    const result = await slowClient(url, `POST /mcp HTTP/1.1\r\nhost: ${host}\r\n`);
    expect(result.closedAfterMs, 'the connection is closed').toBeDefined();
    expect(result.closedAfterMs as number).toBeLessThan(5_000);
    expect(result.text).toMatch(/^HTTP\/1\.1 408 /);
  }, 20_000);

  it('does not cut a stream whose request has arrived (an MCP session GET stream)', async () => {
    const url = engine.urls.get(MCP_NS) as string;
    const { sid, answer } = await initialize(url);
    expect(answer.status).toBe(200);
    expect(sid).toBeTruthy();
    const stream = await open(url, 'GET', undefined, {
      'mcp-session-id': sid,
      'mcp-protocol-version': LEGACY_VERSION,
    });
    expect(stream.status).toBe(200);
    let ended = false;
    void stream.ended.then(() => (ended = true));
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(ended, 'the stream is still open 3 s later (timeout 1 s)').toBe(false);
    stream.close();
  }, 20_000);

  it('refuses a value that is not a positive number of seconds', async () => {
    for (const value of ['0', 'soon']) {
      const result = await runCapability(SEED, ['--request-timeout', value], { GONG_API_KEY: 'k' });
      expect(result.code, value).toBe(2);
      expect(result.stderr, value).toMatch(/--request-timeout.*\[USAGE_INVALID\]/);
    }
  }, 30_000);
});
