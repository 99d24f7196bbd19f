/**
 * The package as a user gets it: `npm pack`, then `npm install -g` of the tarball into a
 * temporary prefix, then the installed `naftiko` used from a folder that is not the repository
 * (--version, validate, run against a loopback upstream, SIGTERM). Also the JSON Schemas the
 * package publishes for editors (docs/editors.md), checked with a plain JSON Schema validator.
 */
import { createRequire } from 'node:module';
import { copyFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import type { AnySchemaObject } from 'ajv';
import type addFormatsModule from 'ajv-formats';
import { Ajv2020 } from 'ajv/dist/2020.js';
import jsYaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../helpers/cli.js';
import type { Packed, Upstream } from './support.js';
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

// ajv-formats is CommonJS: required, as src/spec/schema/schemas.ts does.
const require = createRequire(import.meta.url);
const addFormats = (require('ajv-formats') as typeof addFormatsModule).default;

const STRICT_SCHEMA = 'schemas/naftiko-1.0.0-alpha2.schema.json';
const ENGINE_SCHEMA = 'dist/schemas/naftiko-1.0.0-alpha2.engine.schema.json';

let packed: Packed;
let prefix: string;
let installed: string; // <prefix>/lib/node_modules/naftiko-engine
let naftiko: string; // <prefix>/bin/naftiko
let elsewhere: string; // a folder outside the repository
let installMs: number;

beforeAll(async () => {
  ensureBuilt();
  packed = pack(tempDir('pack'));
  prefix = tempDir('prefix');
  const started = Date.now();
  // What a user runs; --prefer-offline takes what the local npm cache already has.
  const install = await run(
    'npm',
    [
      'install',
      '--global',
      '--prefix',
      prefix,
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      packed.tarball,
    ],
    { cwd: tempDir('install-cwd'), timeoutMs: 240_000 },
  );
  installMs = Date.now() - started;
  if (install.code !== 0) throw new Error(`npm install -g failed:\n${install.stderr}`);
  installed = path.join(prefix, 'lib', 'node_modules', PACKAGE.name);
  naftiko = path.join(prefix, 'bin', 'naftiko');
  elsewhere = tempDir('elsewhere');
  // A project of the user's own: module resolution from here never climbs into a package.json
  // above the temporary folder.
  writeFileSync(path.join(elsewhere, 'package.json'), '{ "name": "elsewhere", "private": true }\n');
  copyFileSync(SEED, path.join(elsewhere, 'crm-crm-integration.yaml'));
  console.info(
    `packaging: tarball ${(packed.size / 1024).toFixed(0)} KiB packed, ` +
      `${(packed.unpackedSize / 1024).toFixed(0)} KiB unpacked, ${packed.files.length} files; ` +
      `npm install -g took ${(installMs / 1000).toFixed(1)} s`,
  );
}, 300_000);

afterAll(async () => {
  await cleanupAll();
}, 180_000);

describe('the packed tarball', () => {
  it('holds the built engine, both schemas, the README and package.json, and nothing else', () => {
    const names = packed.files.map((f) => f.path);
    for (const needed of [
      'package.json',
      'README.md',
      'dist/cli/main.js',
      'dist/cli/program.js',
      'dist/spec/schema/strict-validator.cjs',
      'dist/spec/schema/engine-validator.cjs',
      STRICT_SCHEMA,
      ENGINE_SCHEMA,
    ]) {
      expect(names).toContain(needed);
    }
    const unexpected = names.filter(
      (n) =>
        !(n === 'package.json' || n === 'README.md' || n === 'LICENSE') &&
        !/^dist\/.+\.(js|cjs|json)$/.test(n) &&
        !/^schemas\/[^/]+\.schema\.json$/.test(n),
    );
    expect(unexpected).toEqual([]); // no src/, test/, bench/, scripts/, .ts, .map
    expect(packed.size).toBeLessThan(1024 * 1024);
  });

  it('declares what a global install needs: bin, files, engines, exports', () => {
    expect(PACKAGE.bin).toEqual({ naftiko: 'dist/cli/main.js' });
    expect(PACKAGE.files).toContain('dist');
    expect(PACKAGE.files).toContain('schemas');
    expect(PACKAGE.engines.node).toMatch(/^>=20\./);
    // Every exported path exists in the package.
    for (const target of Object.values(PACKAGE.exports)) {
      expect(packed.files.map((f) => `./${f.path}`)).toContain(target);
    }
  });
});

describe('npm install -g of the tarball', () => {
  it('installs in reasonable time, production dependencies only', () => {
    expect(installMs).toBeLessThan(180_000);
    expect(existsSync(path.join(installed, 'node_modules', 'fastify'))).toBe(true);
    for (const dev of ['vitest', 'typescript', 'eslint', 'autocannon']) {
      expect(existsSync(path.join(installed, 'node_modules', dev))).toBe(false);
    }
  });

  it('links an executable naftiko whose target starts with a node shebang', () => {
    const main = path.join(installed, 'dist', 'cli', 'main.js');
    expect(readFileSync(main, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(statSync(main).mode & 0o111).not.toBe(0);
    expect(statSync(naftiko).isFile()).toBe(true); // the link resolves
  });

  it('answers --version from another folder', async () => {
    const r = await run(naftiko, ['--version'], { cwd: elsewhere });
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(PACKAGE.version);
  });

  it('validates a capability from another folder', async () => {
    const r = await run(naftiko, ['validate', 'crm-crm-integration.yaml'], { cwd: elsewhere });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^1 file, 0 errors, \d+ warnings$/m);
    expect(r.stdout).toMatch(/^crm-crm-integration\.yaml:\d+:\d+ warning /m);
  });

  it('runs the seed from another folder, serves a REST route, stops on SIGTERM with exit 0', async () => {
    let upstream: Upstream | undefined;
    try {
      upstream = await startUpstream();
      const engine = start(
        naftiko,
        [
          'run',
          'crm-crm-integration.yaml',
          '--base-uri',
          `*=${upstream.baseUri}`,
          '--port',
          '*=0',
          '--log-format',
          'json',
        ],
        { cwd: elsewhere, env: cleanEnv({ GONG_API_KEY: 'packaging-key' }) },
      );
      await engine.waitFor((e) => e.event === 'capability.ready', 30_000);
      const rest = listening(engine.events).get('rest');
      expect(rest).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${rest}/v1/crm/integrations`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        requestId: 'packaging-test',
        integrations: [{ integrationId: 7 }],
      });
      expect(upstream.requests).toEqual([
        { method: 'GET', url: '/v2/crm/integrations', authorization: 'Bearer packaging-key' },
      ]);
      expect(await engine.stop('SIGTERM')).toBe(0);
      expect(engine.events.some((e) => e.event === 'capability.stopped')).toBe(true);
    } finally {
      await upstream?.close();
    }
  });

  it('resolves the published schemas by their package subpaths', async () => {
    const script = Object.keys(PACKAGE.exports)
      .filter((k) => k.startsWith('./schemas/'))
      .map((k) => `console.log(require.resolve(${JSON.stringify(PACKAGE.name + k.slice(1))}))`)
      .join(';');
    const r = await run(process.execPath, ['-e', script], {
      cwd: elsewhere,
      env: cleanEnv({ NODE_PATH: path.join(prefix, 'lib', 'node_modules') }),
    });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')).toEqual([
      path.join(installed, STRICT_SCHEMA),
      path.join(installed, ENGINE_SCHEMA),
    ]);
  });
});

describe('the schemas published for editors (docs/editors.md)', () => {
  const seed = () => jsYaml.load(readFileSync(SEED, 'utf8')) as Record<string, unknown>;
  const schema = (file: string) =>
    JSON.parse(readFileSync(path.join(installed, file), 'utf8')) as AnySchemaObject;
  /** The seed with a typo a user makes: `prot` for `port` on the REST adapter. */
  const broken = () => {
    const doc = seed() as { capability: { exposes: Record<string, unknown>[] } };
    const rest = doc.capability.exposes[0]!;
    rest.prot = rest.port;
    delete rest.port;
    return doc;
  };

  function compile2020(file: string) {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats(ajv);
    return ajv.compile(schema(file));
  }

  /** Draft-07, the draft yaml-language-server implements: the same schema, declared as 07. */
  function compileDraft07(file: string) {
    const s = { ...schema(file), $schema: 'http://json-schema.org/draft-07/schema#' };
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    return ajv.compile(s);
  }

  it('declare JSON Schema 2020-12', () => {
    for (const file of [STRICT_SCHEMA, ENGINE_SCHEMA]) {
      expect(schema(file).$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    }
  });

  it('the engine schema accepts the seed and refuses a typo, as `naftiko validate` does', () => {
    const validate = compile2020(ENGINE_SCHEMA);
    expect(validate(seed()), JSON.stringify(validate.errors)).toBe(true);
    expect(validate(broken())).toBe(false);
    expect(validate.errors).toContainEqual(
      expect.objectContaining({
        instancePath: '/capability/exposes/0',
        keyword: 'additionalProperties',
        params: { additionalProperty: 'prot' },
      }),
    );
  });

  it('the strict schema refuses the seed’s dialect forms (validate --strict)', () => {
    const validate = compile2020(STRICT_SCHEMA);
    expect(validate(seed())).toBe(false);
    const paths = (validate.errors ?? []).map((e) => e.instancePath);
    // `type`/`description`/`required` on a consumed parameter: dialect-consumed-parameter-fields
    expect(paths).toContain('/capability/consumes/0/resources/0/operations/0/inputParameters/0');
  });

  it('read as draft-07 (yaml-language-server), give the same verdicts', () => {
    const engine = compileDraft07(ENGINE_SCHEMA);
    expect(engine(seed()), JSON.stringify(engine.errors)).toBe(true);
    expect(engine(broken())).toBe(false);
    expect(compileDraft07(STRICT_SCHEMA)(seed())).toBe(false);
  });

  it('are where docs/editors.md points, in an installed package', async () => {
    const doc = readFileSync(path.join(REPO_ROOT, 'docs', 'editors.md'), 'utf8');
    const mentioned = new Set(
      [...doc.matchAll(/node_modules\/naftiko-engine\/([\w./-]+\.schema\.json)/g)].map((m) => m[1]),
    );
    expect([...mentioned].sort()).toEqual([ENGINE_SCHEMA, STRICT_SCHEMA].sort());
    for (const file of mentioned) expect(existsSync(path.join(installed, file!))).toBe(true);
    // The modeline the doc shows is a comment to the engine: the seed with it still validates.
    const modeline = `# yaml-language-server: $schema=./node_modules/naftiko-engine/${ENGINE_SCHEMA}`;
    expect(doc).toContain(modeline);
    writeFileSync(
      path.join(elsewhere, 'with-modeline.yaml'),
      `${modeline}\n${readFileSync(SEED, 'utf8')}`,
    );
    const r = await run(naftiko, ['validate', '--quiet', 'with-modeline.yaml'], { cwd: elsewhere });
    expect(r.code).toBe(0);
  });
});
