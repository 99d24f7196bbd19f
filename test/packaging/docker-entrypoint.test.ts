/**
 * The container image's entry point and health check, run outside Docker (no Docker engine runs
 * on the machines that test this) with the same commands the image runs: the package installed
 * as the Dockerfile's build stage installs it (the packed tarball, unpacked, with the install
 * command the Dockerfile gives: production dependencies only, pinned by package-lock.json), the
 * `naftiko` link, docker/entrypoint.sh and docker/healthcheck.sh, and the capability "mounted"
 * at a folder named by NAFTIKO_CAPABILITY instead of /capability.
 */
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../helpers/cli.js';
import { freePort } from '../helpers/run-capability.js';
import type { Upstream } from './support.js';
import {
  PACKAGE,
  REPO_ROOT,
  SEED,
  cleanEnv,
  cleanupAll,
  listening,
  pack,
  run,
  start,
  startUpstream,
  tempDir,
} from './support.js';

let bin: string; // stands for /usr/local/bin
let entrypoint: string;
let healthcheck: string;
let upstream: Upstream;

/** The Dockerfile's install of the unpacked tarball, as argv (`npm ci --omit=dev ...`). */
function dockerfileInstallCommand(): string[] {
  const dockerfile = readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
  const match = /npm ci --omit=dev[^\\&\n]*/.exec(dockerfile);
  if (match === null) throw new Error('the Dockerfile has no `npm ci --omit=dev` install');
  return match[0].trim().split(/\s+/);
}

/** The image's environment, with the mount path and the listen address made local. */
function imageEnv(capability: string, extra: Record<string, string | undefined> = {}) {
  return cleanEnv({
    PATH: `${bin}:${process.env.PATH ?? ''}`,
    NODE_ENV: 'production',
    NAFTIKO_CAPABILITY: capability,
    NAFTIKO_ADDRESS: '127.0.0.1', // the image says 0.0.0.0; tests stay on loopback
    ...extra,
  });
}

/** A folder holding the seed plus a control adapter on `port`. */
function capabilityWithControl(port: number): string {
  const dir = tempDir('mount-control');
  const seed = readFileSync(SEED, 'utf8');
  const withControl = seed.replace(
    /^ {2}exposes:\n/m,
    `  exposes:\n  - type: control\n    port: ${port}\n`,
  );
  expect(withControl).not.toBe(seed);
  writeFileSync(path.join(dir, 'capability.yaml'), withControl);
  return dir;
}

beforeAll(async () => {
  ensureBuilt();
  const packed = pack(tempDir('pack'));
  // The build stage: unpack the tarball, install with the lockfile, make the bin executable.
  const opt = path.join(tempDir('opt'), 'naftiko');
  mkdirSync(opt, { recursive: true });
  const untar = await run('tar', ['-xzf', packed.tarball, '-C', opt, '--strip-components=1'], {
    cwd: opt,
  });
  expect(untar.code, untar.stderr).toBe(0);
  copyFileSync(path.join(REPO_ROOT, 'package-lock.json'), path.join(opt, 'package-lock.json'));
  const [npm, ...args] = dockerfileInstallCommand();
  const install = await run(npm!, [...args, '--prefer-offline'], { cwd: opt, timeoutMs: 240_000 });
  if (install.code !== 0) throw new Error(`${args.join(' ')} failed:\n${install.stderr}`);
  chmodSync(path.join(opt, 'dist', 'cli', 'main.js'), 0o755);
  // The runtime stage: the naftiko link and the two scripts on the PATH.
  bin = tempDir('bin');
  symlinkSync(path.join(opt, 'dist', 'cli', 'main.js'), path.join(bin, 'naftiko'));
  entrypoint = path.join(bin, 'naftiko-entrypoint');
  healthcheck = path.join(bin, 'naftiko-healthcheck');
  copyFileSync(path.join(REPO_ROOT, 'docker', 'entrypoint.sh'), entrypoint);
  copyFileSync(path.join(REPO_ROOT, 'docker', 'healthcheck.sh'), healthcheck);
  chmodSync(entrypoint, 0o755);
  chmodSync(healthcheck, 0o755);
  expect(existsSync(path.join(opt, 'node_modules', 'vitest'))).toBe(false);
  expect(existsSync(path.join(opt, 'node_modules', 'typescript'))).toBe(false);
  upstream = await startUpstream();
}, 300_000);

// Removing an installed node_modules takes seconds, more on a busy machine.
afterAll(async () => {
  await upstream?.close();
  await cleanupAll();
}, 180_000);

describe('docker/entrypoint.sh', () => {
  it('passes other commands to naftiko unchanged', async () => {
    const mount = tempDir('mount');
    copyFileSync(SEED, path.join(mount, 'crm-crm-integration.yaml'));
    const version = await run(entrypoint, ['--version'], { cwd: mount, env: imageEnv(mount) });
    expect(version.stdout.trim()).toBe(PACKAGE.version);
    const validate = await run(entrypoint, ['validate', '--quiet', '.'], {
      cwd: mount,
      env: imageEnv(mount),
    });
    expect(validate.code).toBe(0);
    expect(validate.stdout).toMatch(/^1 file, 0 errors/m);
  });

  it('runs every capability of the mounted folder, then stops on SIGTERM with exit 0', async () => {
    const mount = tempDir('mount');
    copyFileSync(SEED, path.join(mount, 'crm-crm-integration.yaml'));
    // YAML that is not a capability (no top-level `capability:`) is not run.
    writeFileSync(path.join(mount, 'notes.yaml'), 'owner: ops\n');
    const engine = start(
      entrypoint,
      ['--port', '*=0', '--log-format', 'json', '--base-uri', `*=${upstream.baseUri}`],
      { cwd: mount, env: imageEnv(mount, { GONG_API_KEY: 'docker-key' }) },
    );
    await engine.waitFor((e) => e.event === 'capability.ready', 30_000);
    const urls = listening(engine.events);
    // NAFTIKO_ADDRESS applies to every adapter, the MCP one (localhost by default) included.
    expect(urls.get('rest')).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(urls.get('mcp')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const before = upstream.requests.length;
    const res = await fetch(`${urls.get('rest')}/v1/crm/integrations`);
    expect(res.status).toBe(200);
    expect(upstream.requests.slice(before)).toEqual([
      { method: 'GET', url: '/v2/crm/integrations', authorization: 'Bearer docker-key' },
    ]);
    // Without a control adapter the health check has nothing to ask, and passes.
    const health = await run(healthcheck, [], { cwd: '/', env: imageEnv(mount) });
    expect(health.code).toBe(0);
    expect(health.stdout).toMatch(/no control adapter/);
    // exec: the signal reaches naftiko itself, which drains and exits 0.
    expect(await engine.stop('SIGTERM')).toBe(0);
    expect(engine.events.some((e) => e.event === 'capability.stopped')).toBe(true);
  });

  it('runs a capability file named by NAFTIKO_CAPABILITY', async () => {
    const mount = tempDir('mount');
    const file = path.join(mount, 'gong.yaml');
    copyFileSync(SEED, file);
    const engine = start(entrypoint, ['run', '--port', '*=0', '--log-format', 'json'], {
      cwd: '/',
      env: imageEnv(file, { GONG_API_KEY: 'docker-key' }),
    });
    await engine.waitFor((e) => e.event === 'capability.ready', 30_000);
    expect(listening(engine.events).has('rest')).toBe(true);
    expect(await engine.stop('SIGTERM')).toBe(0);
  });

  it('refuses to start when nothing is mounted, with one line and exit 2', async () => {
    const empty = tempDir('mount-empty');
    for (const capability of [empty, path.join(empty, 'missing')]) {
      const r = await run(entrypoint, [], { cwd: '/', env: imageEnv(capability) });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^naftiko: .+ \[SPEC_NOT_FOUND\]\n$/);
    }
  });
});

describe('docker/healthcheck.sh', () => {
  it('asks the control adapter: healthy while it serves, unhealthy once it is gone', async () => {
    const port = await freePort();
    const mount = capabilityWithControl(port);
    const engine = start(
      entrypoint,
      [
        '--port',
        'crm-crm-integration-rest=0',
        '--port',
        'crm-crm-integration-mcp=0',
        '--log-format',
        'json',
      ],
      { cwd: mount, env: imageEnv(mount, { GONG_API_KEY: 'docker-key' }) },
    );
    await engine.waitFor((e) => e.event === 'capability.ready', 30_000);
    expect(listening(engine.events).get('control')).toBe(`http://127.0.0.1:${port}`);

    const healthy = await run(healthcheck, [], { cwd: '/', env: imageEnv(mount) });
    expect(healthy.code, healthy.stderr).toBe(0);
    expect(healthy.stdout).toMatch(/^UP$/m);
    // The same with the mount naming the file, and with the port given explicitly.
    const byFile = await run(healthcheck, [], {
      cwd: '/',
      env: imageEnv(path.join(mount, 'capability.yaml')),
    });
    expect(byFile.code, byFile.stderr).toBe(0);
    const byPort = await run(healthcheck, [], {
      cwd: '/',
      env: imageEnv('/nonexistent', { NAFTIKO_CONTROL_PORT: String(port) }),
    });
    expect(byPort.code, byPort.stderr).toBe(0);

    expect(await engine.stop('SIGTERM')).toBe(0);
    const gone = await run(healthcheck, [], { cwd: '/', env: imageEnv(mount) });
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/no control adapter answers/);
  });
});
