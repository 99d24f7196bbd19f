/**
 * The edge-case import (test/fixtures/openapi/edge-openapi30.yaml) run with the real CLI against a
 * recording upstream on loopback: a query array the API wants as one value (`explode: false`)
 * reaches it as the caller's `a,b`, an exploded one repeats the key, an enum input refuses other
 * values before any upstream call, and operations with their own `servers` (own namespaces) are
 * reachable too.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import {
  REPO_ROOT,
  ensureBuilt,
  startCapability,
  stopAllCapabilities,
} from '../helpers/run-capability.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'naftiko-import-edge-run-'));
const seen: { method: string; url: string }[] = [];
const upstream = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    seen.push({ method: req.method ?? '', url: req.url ?? '' });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
});

describe('an imported capability with query arrays, enums and per-operation servers runs', () => {
  let upstreamUrl = '';
  beforeAll(async () => {
    ensureBuilt();
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  }, 120_000);
  afterAll(async () => {
    await stopAllCapabilities();
    upstream.closeAllConnections();
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
    rmSync(tmp, { recursive: true, force: true });
  });

  it('sends a,b as one value, repeats exploded arrays, checks enums', async () => {
    const out = path.join(tmp, 'edge.yaml');
    const source = path.join(REPO_ROOT, 'test/fixtures/openapi/edge-openapi30.yaml');
    const imported = await runCli(['import', 'openapi', source, '-o', out]);
    expect(imported.code, imported.stderr).toBe(0);
    const running = await startCapability(out, [
      '--base-uri',
      `*=${upstreamUrl}`,
      '--address',
      '*=127.0.0.1',
    ]);
    const rest = running.urls.get('securite-cafe-rest') as string;

    const searched = await fetch(`${rest}/search?csv=a,b&pipes=x|y&multi=m&multi=n&mode=c|d`);
    expect(searched.status, await searched.clone().text()).toBe(200);
    const url = new URL(seen.at(-1)?.url ?? '', 'http://upstream');
    expect(url.pathname).toBe('/search');
    expect(url.searchParams.getAll('csv')).toEqual(['a,b']);
    expect(url.searchParams.getAll('pipes')).toEqual(['x|y']);
    expect(url.searchParams.getAll('multi')).toEqual(['m', 'n']);
    expect(url.searchParams.getAll('mode')).toEqual(['c|d']);

    const before = seen.length;
    const refused = await fetch(`${rest}/search?mode=c`);
    expect(refused.status).toBe(400);
    expect(seen.length).toBe(before);

    const uploaded = await fetch(`${rest}/uploads`, { method: 'PUT' });
    expect(uploaded.status).toBe(200);
    expect(seen.at(-1)).toEqual({ method: 'PUT', url: '/uploads' });
  }, 60_000);
});
