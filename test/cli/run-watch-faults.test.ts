/**
 * `naftiko run --watch` in the cases a reload goes wrong, through the real CLI over loopback:
 * SIGTERM while a reload drains (and another is queued) stops the process for good; an edit that
 * renames the namespace a --base-uri names is refused (the override never silently drops); an
 * import of a file that does not exist yet is retried once the file is written; an adapter moved
 * to another address of the same port opens the new socket first (no refusal while the old one
 * drains) and, when the new address cannot be bound, the old version keeps serving and readiness
 * stays true; on an overlapping address that is taken, the adapter is reported stopped (readiness
 * is not UP) until an edit starts it again; the log redacts the secrets of the live version only; one capability's slow drain
 * does not hold up another capability's reload.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureBuilt,
  freePort,
  startCapability,
  stopAllCapabilities,
  waitForEvent,
} from '../helpers/run-capability.js';
import { closeJsonUpstreams, startJsonUpstream } from '../helpers/json-upstream.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const BODY = { v1: 'one', v2: 'two', v3: 'three' };

let tmp: string;

beforeAll(() => {
  ensureBuilt();
  tmp = mkdtempSync(path.join(tmpdir(), 'naftiko-watch-faults-'));
}, 120_000);
afterEach(async () => {
  await stopAllCapabilities();
  await closeJsonUpstreams();
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = path.join(tmp, name);
  writeFileSync(file, text);
  return file;
}

interface Relay {
  readonly baseUri: string;
  readonly field: string;
  readonly port?: number;
  readonly address?: string;
  readonly namespace?: string;
  readonly consumesNamespace?: string;
  /** Replaces the consumes block (an import, say). */
  readonly consumes?: string;
  /** Lines added under `info` and `capability` (binds, an unknown property...). */
  readonly info?: string;
  readonly binds?: string;
  readonly controlPort?: number;
}

/** GET /greeting relays the upstream and answers {"message": $.<field>}. */
function relay(r: Relay): string {
  const ns = r.consumesNamespace ?? 'up';
  return `naftiko: 1.0.0-alpha2
info:
  label: Watched
  description: A capability edited while it serves.
${r.info ?? ''}capability:
${r.binds ?? ''}${
    r.consumes ??
    `  consumes:
  - type: http
    namespace: ${ns}
    baseUri: ${r.baseUri}
    resources:
    - name: value
      path: /value
      operations:
      - name: get-value
        method: GET
`
  }  exposes:
  - type: rest
    namespace: ${r.namespace ?? 'w-rest'}
    address: ${r.address ?? '127.0.0.1'}
    port: ${r.port ?? 8080}
    resources:
    - name: greeting
      path: /greeting
      description: A greeting.
      operations:
      - name: get-greeting
        method: GET
        description: Relays the upstream.
        call: ${ns}.get-value
        outputParameters:
        - type: object
          properties:
            message:
              type: string
              mapping: $.${r.field}
${
  r.controlPort === undefined
    ? ''
    : `  - type: control
    address: 127.0.0.1
    port: ${r.controlPort}
`
}`;
}

/** GET /greeting's message, `HTTP <status>`, or `refused` (nothing listens). */
async function message(base: string): Promise<string> {
  try {
    const res = await fetch(`${base}/greeting`);
    const body = (await res.json()) as { message?: unknown };
    return res.status === 200 ? String(body.message) : `HTTP ${res.status}`;
  } catch {
    return 'refused';
  }
}

async function seen(base: string, expected: string, withinMs: number): Promise<number> {
  const start = performance.now();
  for (;;) {
    const got = await message(base);
    if (got === expected) return performance.now() - start;
    if (performance.now() - start > withinMs) {
      throw new Error(`"${expected}" not served within ${withinMs} ms (last: ${got})`);
    }
    await sleep(10);
  }
}

describe('naftiko run --watch: faults', () => {
  it('SIGTERM while a reload drains and another is queued: exits, nothing listens afterwards', async () => {
    const baseUri = await startJsonUpstream(BODY, 1_500);
    const [port, newPort] = await Promise.all([freePort(), freePort()]);
    const file = write('sigterm.yaml', relay({ baseUri, field: 'v1', port }));
    const run = await startCapability(file, ['--watch'], {}, { anyPort: false });
    await waitForEvent(run, 'capability.watching', 0);
    const base = `http://127.0.0.1:${port}`;
    // A slow request: the first reload's old build drains it (1.5 s).
    const slow = message(base);
    await sleep(200);
    writeFileSync(file, relay({ baseUri, field: 'v2', port }));
    await sleep(400);
    // Queued behind the first: a port change.
    writeFileSync(file, relay({ baseUri, field: 'v3', port: newPort }));
    await sleep(300);
    const code = await run.stop('SIGTERM', 8_000);
    expect(await slow).toBe('one');
    // Killed (null) when it was still running 8 s after SIGTERM.
    expect(code).toBe(0);
    expect(await message(`http://127.0.0.1:${newPort}`)).toBe('refused');
    const names = run.events.map((e) => e.event);
    const stopping = names.indexOf('capability.stopping');
    expect(stopping).toBeGreaterThan(0);
    expect(names.slice(stopping)).not.toContain('adapter.listening');
    expect(names.at(-1)).toBe('capability.stopped');
  }, 30_000);

  it('refuses an edit that leaves a --base-uri override naming no consumes namespace', async () => {
    const production = await startJsonUpstream({ v1: 'PRODUCTION' });
    const staging = await startJsonUpstream({ v1: 'staging' });
    const file = write('override.yaml', relay({ baseUri: production, field: 'v1' }));
    const run = await startCapability(file, ['--watch', '--base-uri', `up=${staging}`]);
    await waitForEvent(run, 'capability.watching', 0);
    const base = run.urls.get('w-rest')!;
    expect(await message(base)).toBe('staging');
    const before = run.events.length;
    writeFileSync(file, relay({ baseUri: production, field: 'v1', consumesNamespace: 'upstream' }));
    const failed = await waitForEvent(run, 'capability.reload_failed', before);
    expect(String(failed.msg)).toContain('--base-uri up: no consumes namespace "up"');
    expect(String(failed.msg)).toContain('[USAGE_INVALID]');
    expect(await message(base)).toBe('staging');
    expect(run.events.slice(before).some((e) => e.event === 'capability.reloaded')).toBe(false);
  }, 30_000);

  it('retries a failed reload once a file it newly imports is written', async () => {
    const a = await startJsonUpstream({ v1: 'from A' });
    const b = await startJsonUpstream({ v1: 'from B' });
    const file = write('importer.yaml', relay({ baseUri: a, field: 'v1' }));
    const run = await startCapability(file, ['--watch']);
    await waitForEvent(run, 'capability.watching', 0);
    const base = run.urls.get('w-rest')!;
    expect(await message(base)).toBe('from A');
    const before = run.events.length;
    writeFileSync(
      file,
      relay({
        baseUri: a,
        field: 'v1',
        consumes: '  consumes:\n  - import: up\n    location: ./later-shared.yaml\n',
      }),
    );
    const failed = await waitForEvent(run, 'capability.reload_failed', before);
    expect(String(failed.msg)).toContain('later-shared.yaml');
    // Let the new watch settle, then write the missing file.
    await sleep(300);
    write(
      'later-shared.yaml',
      `naftiko: 1.0.0-alpha2
consumes:
- type: http
  namespace: up
  baseUri: ${b}
  resources:
  - name: value
    path: /value
    operations:
    - name: get-value
      method: GET
`,
    );
    expect(await seen(base, 'from B', 3_000)).toBeLessThan(3_000);
  }, 30_000);

  it('same port, a non-overlapping address: the new socket answers while the old one drains', async () => {
    const baseUri = await startJsonUpstream(BODY, 1_500);
    const port = await freePort();
    const file = write('address.yaml', relay({ baseUri, field: 'v1', port }));
    const run = await startCapability(file, ['--watch'], {}, { anyPort: false });
    await waitForEvent(run, 'capability.watching', 0);
    const slow = message(`http://127.0.0.1:${port}`);
    await sleep(200);
    const before = run.events.length;
    writeFileSync(file, relay({ baseUri, field: 'v2', port, address: '127.0.0.2' }));
    // Within the old socket's drain (1.5 s), the new address answers.
    await waitForEvent(run, 'adapter.listening', before, 1_000);
    const during = await message(`http://127.0.0.2:${port}`);
    expect(await slow).toBe('one');
    expect(during).toBe('two');
    const reloaded = await waitForEvent(run, 'capability.reloaded', before);
    expect(reloaded.changes).toEqual([
      `restarted rest adapter "w-rest": http://127.0.0.1:${port} → http://127.0.0.2:${port}`,
    ]);
    expect(await message(`http://127.0.0.1:${port}`)).toBe('refused');
  }, 30_000);

  it('same port, an address that cannot be bound: the old version keeps serving, ready stays UP', async () => {
    const baseUri = await startJsonUpstream(BODY);
    const [port, controlPort] = await Promise.all([freePort(), freePort()]);
    const file = write('unbindable.yaml', relay({ baseUri, field: 'v1', port, controlPort }));
    const run = await startCapability(file, ['--watch'], {}, { anyPort: false });
    await waitForEvent(run, 'capability.watching', 0);
    const before = run.events.length;
    // TEST-NET-1 (RFC 5737): no interface has it, binding fails at once (no traffic).
    writeFileSync(file, relay({ baseUri, field: 'v2', port, controlPort, address: '192.0.2.1' }));
    const failed = await waitForEvent(run, 'capability.reload_failed', before);
    expect(String(failed.msg)).toContain('192.0.2.1');
    expect(await message(`http://127.0.0.1:${port}`)).toBe('one');
    const ready = await fetch(`http://127.0.0.1:${controlPort}/health/ready`);
    expect(ready.status).toBe(200);
    const health = (await ready.json()) as { adapters: { namespace?: string; state?: string }[] };
    expect(health.adapters.find((a) => a.namespace === 'w-rest')?.state).toBe('started');
  }, 30_000);

  it('same port, an overlapping address that is taken: the adapter is reported stopped, ready is not UP', async () => {
    const baseUri = await startJsonUpstream(BODY);
    const [port, controlPort] = await Promise.all([freePort(), freePort()]);
    // Another process's socket on [::1]:port (loopback): 127.0.0.1 → ::1 must close the old
    // socket first (the two loopback addresses overlap), then cannot listen.
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(port, '::1', resolve));
    try {
      const file = write('taken.yaml', relay({ baseUri, field: 'v1', port, controlPort }));
      const run = await startCapability(file, ['--watch'], {}, { anyPort: false });
      await waitForEvent(run, 'capability.watching', 0);
      let before = run.events.length;
      writeFileSync(file, relay({ baseUri, field: 'v2', port, controlPort, address: '"::1"' }));
      const failed = await waitForEvent(run, 'capability.reload_failed', before);
      const ready = await fetch(`http://127.0.0.1:${controlPort}/health/ready`);
      expect(ready.status).toBe(503);
      const health = (await ready.json()) as {
        adapters: { namespace?: string; state?: string; reason?: string }[];
      };
      expect(health.adapters.find((a) => a.namespace === 'w-rest')).toMatchObject({
        state: 'stopped',
      });
      expect(String(failed.msg)).toContain('could not listen on ::1');
      // Moved back: it starts again, and readiness is UP.
      before = run.events.length;
      writeFileSync(file, relay({ baseUri, field: 'v3', port, controlPort }));
      await waitForEvent(run, 'capability.reloaded', before);
      expect(await message(`http://127.0.0.1:${port}`)).toBe('three');
      expect((await fetch(`http://127.0.0.1:${controlPort}/health/ready`)).status).toBe(200);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  }, 30_000);

  it('redacts the secrets of the live version only (the redaction chain does not grow)', async () => {
    const baseUri = await startJsonUpstream(BODY);
    const keys = write('keys.env', 'TOKEN=zzoldsecret1\n');
    const binds = `  binds:
  - namespace: keys
    location: file://./keys.env
    keys: {TOKEN: TOKEN}
`;
    const file = write('secrets.yaml', relay({ baseUri, field: 'v1', binds }));
    const run = await startCapability(file, ['--watch']);
    await waitForEvent(run, 'capability.watching', 0);
    let before = run.events.length;
    writeFileSync(keys, 'TOKEN=zznewsecret2\n');
    await waitForEvent(run, 'capability.reloaded', before);
    before = run.events.length;
    // An invalid edit whose diagnostics quote both values.
    writeFileSync(
      file,
      relay({ baseUri, field: 'v1', binds, info: '  zzoldsecret1: 1\n  zznewsecret2: 1\n' }),
    );
    const failed = await waitForEvent(run, 'capability.reload_failed', before);
    const text = JSON.stringify(failed);
    expect(text).not.toContain('zznewsecret2');
    expect(text).toContain('[redacted]');
    // The previous version's runtime is closed: its secret is no longer the process's.
    expect(text).toContain('zzoldsecret1');
  }, 30_000);

  it("one capability's slow drain does not hold up another capability's reload", async () => {
    const slowUp = await startJsonUpstream({ v1: 'A1', v2: 'A2' }, 3_000);
    const fastUp = await startJsonUpstream({ v1: 'B1', v2: 'B2' });
    const fileA = write('drain-a.yaml', relay({ baseUri: slowUp, field: 'v1' }));
    const b = (field: string) => relay({ baseUri: fastUp, field, namespace: 'b-rest' });
    const fileB = write('drain-b.yaml', b('v1'));
    const run = await startCapability(fileA, [fileB, '--watch']);
    await waitForEvent(run, 'capability.watching', 0);
    const slow = message(run.urls.get('w-rest')!);
    await sleep(200);
    writeFileSync(fileA, relay({ baseUri: slowUp, field: 'v2' }));
    await sleep(400);
    writeFileSync(fileB, b('v2'));
    // Before: B waited for A's old build to drain (up to 3 s here, 10 s at most).
    expect(await seen(run.urls.get('b-rest')!, 'B2', 1_500)).toBeLessThan(1_500);
    expect(await slow).toBe('A1');
  }, 30_000);
});
