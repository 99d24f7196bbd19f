/**
 * The control adapter (issue 10): liveness, readiness from the adapters' states, status when
 * `management.info`, 404 problem+json elsewhere, and its own `authentication` enforced; through
 * real HTTP, in process (states given) and with `naftiko run` (states kept by the run).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime } from '../../../src/engine/runtime.js';
import type { RunningAdapter } from '../../../src/exposes/adapter.js';
import type { AdapterState } from '../../../src/exposes/control/adapter-states.js';
import { startControlAdapter } from '../../../src/exposes/control/control-adapter.js';
import type { ExposesControl } from '../../../src/spec/types.js';
import { createValidator } from '../../../src/spec/validate.js';
import { yaml } from '../../helpers/validate.js';
import { ensureBuilt, startCapability, stopAllCapabilities } from '../../helpers/run-capability.js';

const running: RunningAdapter[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop(100)));
  await stopAllCapabilities();
});

const capability = (control: string) => yaml`
  naftiko: 1.0.0-alpha2
  info:
    label: Controlled
    description: A REST adapter and a control adapter.
  binds:
    - namespace: env
      keys:
        CONTROL_TOKEN: CONTROL_TOKEN
  capability:
    consumes:
      - type: http
        namespace: up
        description: The upstream.
        baseUri: http://127.0.0.1:9
        resources:
          - name: items
            path: /items
            operations:
              - name: list-items
                method: GET
    exposes:
      - type: rest
        namespace: items-api
        address: 127.0.0.1
        port: 8080
        resources:
          - path: /items
            name: items
            description: Items.
            operations:
              - method: GET
                name: list-items
                call: up.list-items
      - type: control
        port: 9191
${control}
`;

async function startInProcess(control: string, states: () => readonly AdapterState[]) {
  const result = await createValidator().validateText('/tmp/control.yaml', capability(control));
  if (result.capability === undefined) throw new Error(JSON.stringify(result.diagnostics));
  const runtime = createRuntime(result.capability, { env: { CONTROL_TOKEN: 'ctl-tok-1' } });
  const adapter = result.capability.doc.capability!.exposes!.find(
    (a): a is ExposesControl => a.type === 'control',
  )!;
  const started = await startControlAdapter(adapter, runtime, {
    port: 0,
    address: '127.0.0.1',
    states,
  });
  running.push(started, { stop: () => runtime.close() } as unknown as RunningAdapter);
  return started.url;
}

describe('control adapter (in process)', () => {
  it('answers liveness always, and readiness from the other adapters’ states', async () => {
    let states: AdapterState[] = [
      { type: 'control', state: 'started' },
      { type: 'rest', namespace: 'items-api', port: 8080, state: 'starting' },
    ];
    const url = await startInProcess('', () => states);
    expect(await (await fetch(`${url}/health/live`)).json()).toEqual({ status: 'UP' });
    const starting = await fetch(`${url}/health/ready`);
    expect(starting.status).toBe(503);
    expect(await starting.json()).toMatchObject({ status: 'DEGRADED', adapters: states });
    states = states.map((s) => ({ ...s, state: 'started' }));
    const ready = await fetch(`${url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'UP' });
    // /status needs management.info; anything else is a 404 problem.
    const status = await fetch(`${url}/status`);
    expect(status.status).toBe(404);
    expect(await status.json()).toMatchObject({ code: 'ROUTE_NOT_FOUND' });
  });

  it('serves /status with management.info, and nothing of health when health is off', async () => {
    const url = await startInProcess(
      '        management:\n          health: false\n          info: true',
      () => [{ type: 'control', state: 'started' }],
    );
    expect((await fetch(`${url}/health/live`)).status).toBe(404);
    const status = (await (await fetch(`${url}/status`)).json()) as Record<string, unknown>;
    expect(status).toMatchObject({
      capability: { label: 'Controlled', specVersion: '1.0.0-alpha2' },
      engine: { name: 'naftiko-engine', node: process.version },
      adapters: [{ type: 'control', state: 'started' }],
    });
    expect(typeof status.uptimeSeconds).toBe('number');
  });

  it('enforces its own authentication', async () => {
    const url = await startInProcess(
      '        authentication:\n          type: bearer\n          token: "{{CONTROL_TOKEN}}"',
      () => [],
    );
    expect((await fetch(`${url}/health/live`)).status).toBe(401);
    const ok = await fetch(`${url}/health/live`, {
      headers: { authorization: 'Bearer ctl-tok-1' },
    });
    expect(ok.status).toBe(200);
  });
});

describe('control adapter (naftiko run)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'naftiko-control-'));
  const spec = path.join(dir, 'controlled.yaml');
  beforeAll(() => {
    ensureBuilt();
    writeFileSync(spec, capability('        management:\n          info: true'));
  }, 120_000);
  afterAll(() => stopAllCapabilities());

  it('reports every adapter started once the capability is ready', async () => {
    const run = await startCapability(spec, [], { CONTROL_TOKEN: 'x' });
    const control = run.urls.get('control')!;
    expect(control).toMatch(/^http:\/\/(localhost|127\.0\.0\.1):\d+$/);
    const ready = await fetch(`${control}/health/ready`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { status: string; adapters: AdapterState[] };
    expect(body.status).toBe('UP');
    expect(body.adapters.map((a) => [a.type, a.state])).toEqual([
      ['rest', 'started'],
      ['control', 'started'],
    ]);
    expect(body.adapters[0]?.url).toBe(run.urls.get('items-api'));
    const status = (await (await fetch(`${control}/status`)).json()) as Record<string, unknown>;
    expect(status).toMatchObject({ capability: { label: 'Controlled' } });
    expect(await run.stop()).toBe(0);
  });
});
