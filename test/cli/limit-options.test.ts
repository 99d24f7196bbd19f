/**
 * `naftiko run`'s inbound limit options and their environment twins, through a real subprocess
 * and real HTTP (issue 11): --rate-limit / NAFTIKO_RATE_LIMIT, --mcp-max-sessions /
 * NAFTIKO_MCP_MAX_SESSIONS, --mcp-session-idle / NAFTIKO_MCP_SESSION_IDLE, --max-url-length /
 * NAFTIKO_MAX_URL_LENGTH, --max-header-size / NAFTIKO_MAX_HEADER_SIZE; the option wins over its
 * twin, a bad value is a usage error, and `--help` shows them all.
 */
import { request as httpRequest } from 'node:http';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import type { EnvOverrides } from '../helpers/run-capability.js';
import {
  ensureBuilt,
  runCapability,
  startCapability,
  stopAllCapabilities,
} from '../helpers/run-capability.js';
import { MCP_NS, REST_NS, SEED } from '../e2e/support.js';

const TWINS = [
  'NAFTIKO_RATE_LIMIT',
  'NAFTIKO_MCP_MAX_SESSIONS',
  'NAFTIKO_MCP_SESSION_IDLE',
  'NAFTIKO_MAX_URL_LENGTH',
  'NAFTIKO_MAX_HEADER_SIZE',
];
/** No inherited twin leaks into a test; the seed's binding has a value. */
const BASE_ENV: EnvOverrides = {
  GONG_API_KEY: 'unused',
  ...Object.fromEntries(TWINS.map((name) => [name, undefined])),
};
const NO_UPSTREAM = ['--base-uri', '*=http://127.0.0.1:9'];

beforeAll(() => ensureBuilt(), 120_000);
afterAll(stopAllCapabilities);

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(
  url: string,
  method: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

const MCP_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
};
const initialize = (url: string) =>
  send(
    url,
    'POST',
    MCP_HEADERS,
    JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: LATEST_PROTOCOL_VERSION,
        capabilities: {},
        clientInfo: { name: 'cli-test', version: '0' },
      },
    }),
  );
const code = (res: Raw) =>
  JSON.parse(res.body) as { code?: string; error?: { data?: { code?: string } } };

describe('naftiko run inbound limits', () => {
  it('lists every limit option with its environment twin in --help', async () => {
    const { code: exit, stdout } = await runCli(['run', '--help']);
    expect(exit).toBe(0);
    const help = stdout.replace(/\s+/g, ' ');
    for (const [option, env] of [
      ['--mcp-max-sessions <n>', 'NAFTIKO_MCP_MAX_SESSIONS'],
      ['--mcp-session-idle <seconds>', 'NAFTIKO_MCP_SESSION_IDLE'],
      ['--max-url-length <bytes>', 'NAFTIKO_MAX_URL_LENGTH'],
      ['--max-header-size <bytes>', 'NAFTIKO_MAX_HEADER_SIZE'],
      ['--rate-limit <n>', 'NAFTIKO_RATE_LIMIT'],
    ]) {
      expect(help).toContain(option);
      expect(help).toContain(`env: ${env}`);
    }
  });

  it('applies the options: rate limit (the option winning over its twin), URL and head sizes, session cap', async () => {
    const engine = await startCapability(
      SEED,
      [
        ...NO_UPSTREAM,
        '--rate-limit',
        '2',
        '--max-url-length',
        '200',
        '--max-header-size',
        '4096',
        '--mcp-max-sessions',
        '1',
      ],
      { ...BASE_ENV, NAFTIKO_RATE_LIMIT: '1000' },
    );
    const rest = engine.urls.get(REST_NS)!;
    const mcp = engine.urls.get(MCP_NS)!;

    const long = await send(`${rest}/${'u'.repeat(250)}`, 'GET');
    expect(long.status).toBe(414);
    expect(code(long).code).toBe('URI_TOO_LONG');
    // Refused by Node's parser, before the rate limit counts it.
    const big = await send(`${rest}/nope`, 'GET', { 'x-big': 'b'.repeat(5000) });
    expect(big.status).toBe(431);
    expect(code(big).code).toBe('HEADERS_TOO_LARGE');
    expect((await send(`${rest}/nope`, 'GET')).status).toBe(404);
    const limited = await send(`${rest}/nope`, 'GET');
    expect(limited.status).toBe(429);
    expect(code(limited).code).toBe('RATE_LIMITED');
    expect(limited.headers['retry-after']).toMatch(/^\d+$/);

    // The MCP adapter has its own allowance and a cap of one session.
    expect((await initialize(mcp)).status).toBe(200);
    const full = await initialize(mcp);
    expect(full.status).toBe(503);
    expect(code(full).error?.data?.code).toBe('SESSION_LIMIT_REACHED');
    expect(full.headers['retry-after']).toMatch(/^\d+$/);
    expect(await engine.stop()).toBe(0);
  }, 30_000);

  it('reads the environment twins: session cap and idle time, URL and head sizes, rate limit', async () => {
    const engine = await startCapability(SEED, NO_UPSTREAM, {
      ...BASE_ENV,
      NAFTIKO_MCP_MAX_SESSIONS: '1',
      NAFTIKO_MCP_SESSION_IDLE: '1',
      NAFTIKO_MAX_URL_LENGTH: '200',
      NAFTIKO_MAX_HEADER_SIZE: '4096',
      NAFTIKO_RATE_LIMIT: '4',
    });
    const rest = engine.urls.get(REST_NS)!;
    const mcp = engine.urls.get(MCP_NS)!;

    const opened = await initialize(mcp);
    expect(opened.status).toBe(200);
    const id = opened.headers['mcp-session-id'] as string;
    expect((await initialize(mcp)).status).toBe(503);
    // Idle for more than a second: the session is closed, its id unknown, and room is free.
    await new Promise((resolve) => setTimeout(resolve, 1_800));
    const expired = await send(
      mcp,
      'POST',
      { ...MCP_HEADERS, 'mcp-session-id': id, 'mcp-protocol-version': LATEST_PROTOCOL_VERSION },
      JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    );
    expect(expired.status).toBe(404);
    expect((await initialize(mcp)).status).toBe(200);
    expect((await initialize(mcp)).status).toBe(429);

    expect((await send(`${rest}/${'u'.repeat(250)}`, 'GET')).status).toBe(414);
    expect((await send(`${rest}/nope`, 'GET', { 'x-big': 'b'.repeat(5000) })).status).toBe(431);
    for (let i = 0; i < 3; i++) expect((await send(`${rest}/nope`, 'GET')).status).toBe(404);
    expect((await send(`${rest}/nope`, 'GET')).status).toBe(429);
    expect(await engine.stop()).toBe(0);
  }, 30_000);

  it('refuses a value that is not a positive integer, from an option or its twin', async () => {
    const flag = await runCapability(SEED, ['--mcp-max-sessions', '0'], BASE_ENV);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(
      /--mcp-max-sessions expects a positive integer, got "0" \[USAGE_INVALID\]/,
    );
    const twin = await runCapability(SEED, [], { ...BASE_ENV, NAFTIKO_RATE_LIMIT: 'lots' });
    expect(twin.code).toBe(2);
    expect(twin.stderr).toMatch(/--rate-limit expects a positive integer, got "lots"/);
  });
});
