/**
 * `naftiko run --workers N` (issue 14), real subprocesses: a primary forks N workers that serve
 * the seed's adapters on the same ports; a worker killed with SIGKILL is replaced while the
 * others keep answering; SIGTERM stops them all and the primary exits 0; a capability that
 * cannot start stops everything with its exit code; bad uses are refused with exit 2.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { get as httpGet, request as httpRequest } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeJsonUpstreams, startJsonUpstream } from '../helpers/json-upstream.js';
import {
  ensureBuilt,
  runCapability,
  startCapability,
  stopAllCapabilities,
} from '../helpers/run-capability.js';
import { CONSUMES_NS, MCP_NS, REST_NS, SEED } from '../e2e/support.js';

let upstream: string;

beforeAll(async () => {
  ensureBuilt();
  upstream = await startJsonUpstream({ integrations: [] });
}, 120_000);
afterEach(stopAllCapabilities);
afterAll(closeJsonUpstreams);

/** The live child processes of a process (Linux /proc). */
function children(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** A GET on a new connection: a keep-alive one may belong to the worker that is killed. */
function status(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    httpGet(url, { agent: false, timeout: 5_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    })
      .on('timeout', function (this: { destroy(err: Error): void }) {
        this.destroy(new Error(`no answer in 5 s from ${url}`));
      })
      .on('error', reject);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not in time: ${what}`);
    await sleep(25);
  }
}

describe('naftiko run --workers', () => {
  it('serves from N workers on shared ports, replaces a dead one, and stops them all on SIGTERM', async () => {
    const engine = await startCapability(
      SEED,
      ['--workers', '2', '--base-uri', `${CONSUMES_NS}=${upstream}`],
      { GONG_API_KEY: 'workers-test-key' },
    );
    await until('2 workers ready', () => engine.stderr().includes('2 workers ready'), 20_000);
    const workers = children(engine.pid);
    expect(workers).toHaveLength(2);
    const rest = `${engine.urls.get(REST_NS)}/v1/crm/integrations`;
    const mcp = engine.urls.get(MCP_NS) as string;
    expect(await status(rest)).toBe(200);
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/list',
      params: {
        _meta: {
          'io.modelcontextprotocol/protocolVersion': '2026-07-28',
          'io.modelcontextprotocol/clientCapabilities': {},
        },
      },
    });
    // A 2026-07-28 tools/list (stateless: any worker answers it), on a new connection.
    const call = () =>
      new Promise<number>((resolve, reject) => {
        const req = httpRequest(mcp, {
          method: 'POST',
          agent: false,
          timeout: 5_000,
          headers: {
            'content-type': 'application/json',
            accept: 'application/json',
            'mcp-protocol-version': '2026-07-28',
            'mcp-method': 'tools/list',
          },
        });
        req.on('response', (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('timeout', () => req.destroy(new Error('no MCP answer in 5 s')));
        req.on('error', reject);
        req.end(body);
      });
    expect(await call()).toBe(200);

    // One worker dies: the other keeps answering, and a new one takes its place.
    process.kill(workers[0] as number, 'SIGKILL');
    // Connections the primary hands out before it sees the death are lost with the worker (a
    // balancer in front retries those); once it has seen it, every connection goes to a live one.
    await until('the primary saw the death', () => engine.stderr().includes('died'), 10_000);
    for (let i = 0; i < 10; i++) expect(await status(rest)).toBe(200);
    await until(
      'a new worker',
      () => {
        const now = children(engine.pid);
        return now.length === 2 && !now.includes(workers[0] as number);
      },
      15_000,
    );
    expect(engine.stderr()).toMatch(/worker \d+ died \(SIGKILL\); starting another/);
    await until(
      'the new worker ready',
      () => engine.events.filter((e) => e['event'] === 'capability.ready').length >= 3,
      15_000,
    );
    expect(await call()).toBe(200);

    // SIGTERM: every worker drains and exits, then the primary, with 0.
    const current = children(engine.pid);
    expect(await engine.stop('SIGTERM', 20_000)).toBe(0);
    for (const pid of current) expect(() => process.kill(pid, 0)).toThrow();
    expect(engine.events.filter((e) => e['event'] === 'capability.stopped')).toHaveLength(2);
  }, 120_000);

  it('stops every worker with the exit code of a capability that cannot start', async () => {
    const result = await runCapability(SEED, ['--workers', '2', '--port', '*=1'], {
      GONG_API_KEY: 'k',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/adapters clash on port 1/);
    expect(result.stderr).toMatch(/exited before it was ready \(code 2\); stopping/);
  }, 30_000);

  it('refuses a bad count and stdio with exit 2', async () => {
    for (const args of [
      ['--workers', '0'],
      ['--workers', 'many'],
      ['--workers', '2', '--stdio'],
    ]) {
      const result = await runCapability(SEED, args, { GONG_API_KEY: 'k' });
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(/--workers .*\[USAGE_INVALID\]/);
    }
  }, 30_000);

  it('answers /metrics for all the workers: the primary merges their registries', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'naftiko-workers-metrics-'));
    try {
      const control = path.join(dir, 'control.yaml');
      writeFileSync(
        control,
        [
          'naftiko: 1.0.0-alpha2',
          'capability:',
          '  exposes:',
          '    - type: control',
          '      port: 9100',
          '',
        ].join('\n'),
      );
      const engine = await startCapability(
        SEED,
        [control, '--workers', '2', '--base-uri', `${CONSUMES_NS}=${upstream}`],
        { GONG_API_KEY: 'workers-test-key' },
      );
      await until('2 workers ready', () => engine.stderr().includes('2 workers ready'), 20_000);
      const rest = `${engine.urls.get(REST_NS)}/v1/crm/integrations`;
      const scrapeUrl = `${engine.urls.get('control')}/metrics`;
      // New connections: the primary hands them to the workers in turn, so both serve some.
      const REQUESTS = 20;
      for (let i = 0; i < REQUESTS; i++) expect(await status(rest)).toBe(200);
      const restCount = (text: string) =>
        text
          .split('\n')
          .filter(
            (l) =>
              l.startsWith('naftiko_requests_total{') &&
              l.includes('adapter_type="rest"') &&
              l.includes('status_class="2xx"'),
          )
          .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
      const scrape = () =>
        new Promise<string>((resolve, reject) => {
          httpGet(scrapeUrl, { agent: false, timeout: 10_000 }, (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (body += chunk));
            res.on('end', () =>
              res.statusCode === 200 ? resolve(body) : reject(new Error(`${res.statusCode}`)),
            );
          }).on('error', reject);
        });
      // Each scrape lands on one worker (new connections again): every one counts them all.
      for (let i = 0; i < 4; i++) {
        const text = await scrape();
        expect(restCount(text)).toBe(REQUESTS);
        expect(text).toMatch(/^naftiko_workers 2$/m);
        expect(text).toMatch(/^naftiko_workers_missing 0$/m);
        expect(text).toMatch(/^naftiko_worker_restarts_total 0$/m);
        // Process metrics are merged too (prom-client's aggregators): one series, not two.
        expect(text.match(/^process_resident_memory_bytes /gm)).toHaveLength(1);
      }
      // Many scrapes at once: each gets the whole, and no listener piles up.
      const texts = await Promise.all(Array.from({ length: 16 }, scrape));
      for (const text of texts) expect(restCount(text)).toBe(REQUESTS);
      expect(engine.stderr()).not.toMatch(/MaxListenersExceeded/);
      expect(await engine.stop('SIGTERM', 20_000)).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('with --watch, reloads the workers one at a time; a refused edit leaves both serving', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'naftiko-workers-watch-'));
    try {
      const file = path.join(dir, 'capability.yaml');
      const original = readFileSync(SEED, 'utf8');
      expect(original).toContain('- path: /v1/crm/integrations');
      writeFileSync(file, original);
      const engine = await startCapability(
        file,
        ['--workers', '2', '--watch', '--base-uri', `${CONSUMES_NS}=${upstream}`],
        { GONG_API_KEY: 'workers-test-key' },
      );
      await until('2 workers ready', () => engine.stderr().includes('2 workers ready'), 20_000);
      await until(
        'both workers watch',
        () => engine.events.filter((e) => e['event'] === 'capability.watching').length === 2,
        20_000,
      );
      const base = engine.urls.get(REST_NS) as string;
      expect(await status(`${base}/v1/crm/integrations`)).toBe(200);

      writeFileSync(
        file,
        original.replace('- path: /v1/crm/integrations', '- path: /v2/crm/integrations'),
      );
      await until(
        'both workers reloaded',
        () => engine.events.filter((e) => e['event'] === 'capability.reloaded').length === 2,
        30_000,
      );
      const turns = [...engine.stderr().matchAll(/worker (\d+) (reloading|reloaded)\b/g)].map(
        (m) => `${m[2]} ${m[1]}`,
      );
      // One turn at a time: each worker's reload ends before the next one's starts.
      expect(turns).toHaveLength(4);
      const [first, second] = [turns[0]?.split(' ')[1], turns[2]?.split(' ')[1]];
      expect(first).not.toBe(second);
      expect(turns).toEqual([
        `reloading ${first}`,
        `reloaded ${first}`,
        `reloading ${second}`,
        `reloaded ${second}`,
      ]);
      // Every worker serves the new version (new connections reach both).
      for (let i = 0; i < 6; i++) {
        expect(await status(`${base}/v2/crm/integrations`)).toBe(200);
        expect(await status(`${base}/v1/crm/integrations`)).toBe(404);
      }

      // A broken edit: each worker refuses it in its turn and keeps serving the last good one.
      writeFileSync(file, original.replace('- path: /v1/crm/integrations', '- path: [oops'));
      await until(
        'both workers refused the edit',
        () => (engine.stderr().match(/kept its version \(reload refused\)/g) ?? []).length === 2,
        30_000,
      );
      for (let i = 0; i < 4; i++) expect(await status(`${base}/v2/crm/integrations`)).toBe(200);
      expect(await engine.stop('SIGTERM', 20_000)).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
