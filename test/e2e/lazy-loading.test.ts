/**
 * Start-up loads only what a capability uses (issue 5: cold start and memory). Checked by module
 * trace, not by timing: a real `naftiko run` of the seed with a preload that records every module
 * it loads. Until its MCP adapter gets a request, the engine must not load the MCP SDK, the undici
 * package index (fetch, WebSocket...), Ajv's schema compiler (the seed is valid), the format
 * decoders or the JWT library (the seed declares no inbound authentication); one MCP request then loads the SDK (which proves the trace sees it).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../helpers/cli.js';
import { ensureBuilt, startCapability, stopAllCapabilities } from '../helpers/run-capability.js';
import { CONSUMES_NS, MCP_NS, SEED } from './support.js';

const PRELOAD = path.join(REPO_ROOT, 'test/fixtures/perf/trace-modules.mjs');
let dir: string;

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(path.join(os.tmpdir(), 'naftiko-trace-'));
}, 120_000);

afterAll(async () => {
  await stopAllCapabilities();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the seed with the module trace; `during` gets the MCP URL while it serves. Returns the loaded URLs. */
async function loadedModules(name: string, during: (mcpUrl: string) => Promise<void>) {
  const trace = path.join(dir, `${name}.txt`);
  const running = await startCapability(
    SEED,
    ['--base-uri', `${CONSUMES_NS}=http://127.0.0.1:9/v2`, '--address', '*=127.0.0.1'],
    {
      GONG_API_KEY: 'trace-token',
      NAFTIKO_TRACE_MODULES: trace,
      NODE_OPTIONS: `--import=${PRELOAD}`,
    },
  );
  await during(running.urls.get(MCP_NS) ?? '');
  expect(await running.stop()).toBe(0);
  return readFileSync(trace, 'utf8').split('\n').filter(Boolean);
}

const SDK = /node_modules\/@modelcontextprotocol\/sdk\//;
const UNDICI_INDEX = /node_modules\/undici\/index\.js$/;
const AJV_COMPILER = /node_modules\/ajv\/dist\/(2020|core)\.js$/;
const DECODERS = /node_modules\/(fast-xml-parser|csv-parse|cheerio|avsc|protobufjs)\//;
// JWT validation (jose) and the digest and OAuth 2.0 schemes load only for adapters that use them.
const UNUSED_AUTH = /node_modules\/jose\/|\/dist\/exposes\/auth\/(digest|oauth2[\w-]*)\.js$/;
// Metrics (prom-client) load only for a control adapter that serves them; the seed has none.
const METRICS = /node_modules\/prom-client\/|\/dist\/observability\/prometheus-recorder\.js$/;
const WATCHING = /node_modules\/(chokidar|readdirp|tinyglobby)\/|\/dist\/cli\/watch(-files)?\.js$/;

describe('lazy loading (naftiko run of the seed)', () => {
  it('loads neither the MCP SDK, the undici index, Ajv nor a decoder before an MCP request', async () => {
    const loaded = await loadedModules('idle', async () => {});
    // The trace works: the engine's own modules and undici's Pool are in it.
    expect(loaded.some((url) => url.endsWith('/dist/exposes/rest/rest-adapter.js'))).toBe(true);
    expect(loaded.some((url) => url.endsWith('/undici/lib/dispatcher/pool.js'))).toBe(true);
    expect(loaded.filter((url) => SDK.test(url))).toEqual([]);
    expect(loaded.filter((url) => UNDICI_INDEX.test(url))).toEqual([]);
    expect(loaded.filter((url) => AJV_COMPILER.test(url))).toEqual([]);
    expect(loaded.filter((url) => DECODERS.test(url))).toEqual([]);
    expect(loaded.filter((url) => UNUSED_AUTH.test(url))).toEqual([]);
    expect(loaded.filter((url) => METRICS.test(url))).toEqual([]);
    // File watching loads only with --watch, the folder search only for a folder argument.
    expect(loaded.filter((url) => WATCHING.test(url))).toEqual([]);
  }, 60_000);

  it('serves MCP without ever loading the MCP SDK (the engine speaks the protocol itself)', async () => {
    const loaded = await loadedModules('mcp', async (url) => {
      const client = new Client({ name: 'trace', version: '0.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(url)));
      const { tools } = await client.listTools();
      expect(tools.length).toBe(3);
      await client.close();
    });
    // The trace covers the request: the adapter's dispatcher is in it, the SDK is not.
    expect(loaded.some((u) => u.endsWith('/dist/exposes/mcp/dispatch.js'))).toBe(true);
    expect(loaded.filter((url) => SDK.test(url))).toEqual([]);
  }, 60_000);
});

describe('lazy loading (naftiko validate)', () => {
  it('loads neither the HTTP client (undici), fastify, the adapters nor the MCP SDK', async () => {
    const trace = path.join(dir, 'validate.txt');
    const result = await runCli(['validate', SEED], {
      env: { NAFTIKO_TRACE_MODULES: trace, NODE_OPTIONS: `--import=${PRELOAD}` },
    });
    expect(result.code).toBe(0);
    const loaded = readFileSync(trace, 'utf8').split('\n').filter(Boolean);
    // The trace works: the validator is in it.
    expect(loaded.some((url) => url.endsWith('/dist/spec/validate.js'))).toBe(true);
    expect(
      loaded.filter((url) => /node_modules\/(undici|fastify|@modelcontextprotocol)\//.test(url)),
    ).toEqual([]);
    expect(
      loaded.filter((url) =>
        /\/dist\/(consumes\/http\/(index|pools|send-request)|exposes\/(rest|mcp\/mcp-http))/.test(
          url,
        ),
      ),
    ).toEqual([]);
  }, 60_000);
});
