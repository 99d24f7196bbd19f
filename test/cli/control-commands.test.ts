/**
 * `naftiko health`, `status` and `metrics` against a running engine's control adapter, as a
 * shell script uses them (real subprocesses): exit 0 when ready / answered, 1 when nothing
 * answers, the control adapter is locked without a token, or an endpoint is not served; the
 * target from --port, NAFTIKO_CONTROL_PORT, or the capability files of the current folder.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli } from '../helpers/cli.js';
import { freePort, startCapability, stopAllCapabilities } from '../helpers/run-capability.js';
import type { RunningCapability } from '../helpers/run-capability.js';
import { yaml } from '../helpers/validate.js';

const dir = mkdtempSync(path.join(tmpdir(), 'naftiko-control-cli-'));
const TOKEN = 'ctl-cli-token-1';
let engine: RunningCapability;
let port: number;

beforeAll(async () => {
  ensureBuilt();
  port = await freePort();
  writeFileSync(
    path.join(dir, 'controlled.yaml'),
    yaml`
      naftiko: 1.0.0-alpha2
      info:
        label: Controlled from the CLI
        description: A REST adapter and a locked control adapter.
      binds:
        - namespace: env
          keys:
            CONTROL_TOKEN: CONTROL_CLI_TOKEN
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
            address: 127.0.0.1
            port: ${port}
            authentication:
              type: bearer
              token: "{{CONTROL_TOKEN}}"
            management:
              info: true
            observability:
              enabled: false
    `,
  );
  // The REST adapter on any port, the control adapter on the declared one.
  engine = await startCapability(path.join(dir, 'controlled.yaml'), ['--port', `control=${port}`], {
    CONTROL_CLI_TOKEN: TOKEN,
  });
}, 120_000);
afterAll(() => stopAllCapabilities());

const env = { NAFTIKO_CONTROL_TOKEN: TOKEN };

describe('naftiko health / status / metrics', () => {
  it('health: exit 0 and the adapters when ready (target from --port)', async () => {
    const result = await runCli(['health', '--port', String(port), '--address', '127.0.0.1'], {
      env,
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('UP\n  rest "items-api": started\n  control: started\n');
  });

  it('health: the target from the capability files of the current folder', async () => {
    const result = await runCli(['health', '--live', '--format', 'json'], { env, cwd: dir });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ status: 'UP' });
  });

  it('status: label, versions and adapters (NAFTIKO_CONTROL_PORT)', async () => {
    const result = await runCli(['status'], {
      env: { ...env, NAFTIKO_CONTROL_PORT: String(port), NAFTIKO_CONTROL_ADDRESS: '127.0.0.1' },
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^Controlled from the CLI \(spec 1\.0\.0-alpha2\), naftiko-engine /,
    );
    expect(result.stdout).toContain(`rest "items-api": started ${engine.urls.get('items-api')}`);
  });

  it('exit 1 without the token, when nothing answers, or when an endpoint is not served', async () => {
    const locked = await runCli(['health', '--port', String(port)], {
      env: { NAFTIKO_CONTROL_TOKEN: undefined },
    });
    expect(locked.code).toBe(1);
    expect(locked.stderr).toMatch(/refused the request \(401\); give --token/);
    const nobody = await runCli(['health', '--port', String(await freePort())], { env });
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toMatch(
      /no control adapter answers at http:\/\/localhost:\d+\/health\/ready/,
    );
    // observability.enabled: false serves no metrics.
    const metrics = await runCli(['metrics', '--port', String(port)], { env });
    expect(metrics.code).toBe(1);
    expect(metrics.stderr).toMatch(/\/metrics is not served \(404\)/);
  });

  it('exit 2 when there is nothing to talk to', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'naftiko-no-control-'));
    const result = await runCli(['status'], {
      cwd: empty,
      env: { NAFTIKO_CONTROL_PORT: undefined },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/no control adapter to talk to/);
  });
});
