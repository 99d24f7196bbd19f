/**
 * `naftiko export openapi` (issue 12): the document a REST adapter serves at /openapi.json, as a
 * file, without starting servers. The export of the seed (and of a capability with inbound
 * authentication and query variants) equals what the running engine serves; secrets may be
 * absent at export time; `--spec-version 3.0` is a valid OpenAPI 3.0 document.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { validate, compileErrors } from '@readme/openapi-parser';
import jsYaml from 'js-yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openApiTo30, schemaTo30 } from '../../src/authoring/openapi-30.js';
import { REPO_ROOT, runCli } from '../helpers/cli.js';
import { ensureBuilt, startCapability, stopAllCapabilities } from '../helpers/run-capability.js';
import { REST_NS, SEED, http } from '../e2e/support.js';

const CATALOG = path.join(REPO_ROOT, 'test', 'fixtures', 'authoring', 'catalog.yaml');
const NO_SECRETS = {
  GONG_API_KEY: undefined,
  AUTHORING_CATALOG_TOKEN: undefined,
  AUTHORING_STORE_KEY: undefined,
};
const dir = mkdtempSync(path.join(tmpdir(), 'naftiko-export-openapi-'));

beforeAll(() => ensureBuilt(), 120_000);
afterEach(stopAllCapabilities);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Json = Record<string, unknown>;

async function exportJson(args: readonly string[]): Promise<Json> {
  const result = await runCli(['export', 'openapi', ...args], { env: NO_SECRETS });
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Json;
}

async function expectValid(doc: Json): Promise<void> {
  const result = await validate(structuredClone(doc) as never);
  expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
}

describe('naftiko export openapi: what the REST adapter serves', () => {
  it('the seed: the export equals the served /openapi.json (no GONG_API_KEY needed)', async () => {
    const exported = await exportJson([SEED]);
    const engine = await startCapability(SEED, [], { GONG_API_KEY: 'export-test-key' });
    const served = await http(engine.urls.get(REST_NS)!, 'GET', '/openapi.json');
    expect(served.status).toBe(200);
    expect(exported).toEqual(served.json);
    expect(exported.openapi).toBe('3.1.0');
    expect(Object.keys(exported.paths as Json)).toEqual(['/v1/crm/integrations']);
    await expectValid(exported);
  });

  it('a capability with inbound auth and query variants, each REST adapter (--adapter)', async () => {
    const first = await exportJson([CATALOG]);
    const second = await exportJson([CATALOG, '--adapter', 'public-api']);
    const engine = await startCapability(CATALOG, [], {
      AUTHORING_CATALOG_TOKEN: 'catalog-secret-1',
      AUTHORING_STORE_KEY: 'store-secret-2',
    });
    const served = await http(engine.urls.get('catalog-api')!, 'GET', '/openapi.json', {
      headers: { 'x-catalog-key': 'catalog-secret-1' },
    });
    expect(served.status, served.text).toBe(200);
    expect(first).toEqual(served.json);
    const servedPublic = await http(engine.urls.get('public-api')!, 'GET', '/openapi.json');
    expect(second).toEqual(servedPublic.json);

    // What the export says: the lock, the variants, the derived inputs; never a secret.
    expect(first.security).toEqual([{ apiKeyAuth: [] }]);
    expect((first.components as Json).securitySchemes).toEqual({
      apiKeyAuth: { type: 'apiKey', in: 'header', name: 'X-Catalog-Key' },
    });
    const variants = ((first.paths as Json)['/v1/'] as Json).get as Json;
    expect(variants['x-naftiko-query-variants']).toHaveLength(2);
    expect(JSON.stringify(first)).not.toMatch(/catalog-secret|store-secret|naftiko_unbound/);
    expect(Object.keys(second.paths as Json)).toEqual(['/count']);
    expect(second.security).toBeUndefined();
    await expectValid(first);
    await expectValid(second);
  });

  it('--spec-version 3.0 is a valid OpenAPI 3.0.3 document, 3.1-only constructs converted', async () => {
    for (const capability of [SEED, CATALOG]) {
      const doc = await exportJson([capability, '--spec-version', '3.0']);
      expect(doc.openapi).toBe('3.0.3');
      await expectValid(doc);
      expect(JSON.stringify(doc)).not.toMatch(/"const"|"examples"|"\$defs"/);
    }
    // The same paths, operations and parameters as the 3.1 document.
    const doc31 = await exportJson([CATALOG]);
    const doc30 = await exportJson([CATALOG, '--spec-version', '3.0']);
    expect(Object.keys(doc30.paths as Json)).toEqual(Object.keys(doc31.paths as Json));
  });

  it('--format yaml, -o writes a file', async () => {
    const file = path.join(dir, 'seed-openapi.yaml');
    const result = await runCli(
      ['export', 'openapi', SEED, '--format', 'yaml', '--spec-version', '3.0', '-o', file],
      { env: NO_SECRETS },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('');
    const doc = jsYaml.load(readFileSync(file, 'utf8')) as Json;
    expect(doc).toEqual(await exportJson([SEED, '--spec-version', '3.0']));
    await expectValid(doc);
  });

  it('refuses an unknown adapter (naming the known ones), a capability without REST, an invalid one', async () => {
    const unknown = await runCli(['export', 'openapi', CATALOG, '--adapter', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(
      /no REST adapter "nope".*catalog-api, public-api.*\[USAGE_INVALID\]/,
    );
    expect(unknown.stdout).toBe('');

    const mcpOnly = path.join(dir, 'mcp-only.yaml');
    const seed = jsYaml.load(readFileSync(SEED, 'utf8')) as {
      capability: { exposes: { type: string }[] };
    };
    seed.capability.exposes = seed.capability.exposes.filter((a) => a.type !== 'rest');
    writeFileSync(mcpOnly, jsYaml.dump(seed));
    const none = await runCli(['export', 'openapi', mcpOnly]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/has no REST adapter/);

    const invalid = await runCli([
      'export',
      'openapi',
      path.join(REPO_ROOT, 'test', 'fixtures', 'invalid', 'dangling-call.yaml'),
    ]);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/dangling-call\.yaml:\d+:\d+ error /);
    expect(invalid.stderr).toMatch(/\[SPEC_INVALID\]/);

    const missing = await runCli(['export', 'openapi', path.join(dir, 'nothing.yaml')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/\[SPEC_NOT_FOUND\]/);
  });
});

describe('naftiko export openapi: bound variables at export time', () => {
  const file = path.join(dir, 'bound.yaml');
  writeFileSync(
    file,
    [
      'naftiko: 1.0.0-alpha2',
      'info: {label: Bound, description: Secrets from a missing file and the environment.}',
      'binds:',
      '  - namespace: vault',
      '    location: file://./not-here.env',
      '    keys: {UPSTREAM_TOKEN: TOKEN, INBOUND_TOKEN: INBOUND}',
      '  - namespace: env',
      '    keys: {HEADER: AUTHORING_HEADER_NAME}',
      'capability:',
      '  consumes:',
      '    - type: http',
      '      namespace: up',
      '      description: The upstream.',
      '      baseUri: http://up.invalid',
      "      authentication: {type: bearer, token: '{{UPSTREAM_TOKEN}}'}",
      '      resources:',
      '        - name: items',
      '          path: /items',
      '          operations: [{name: list-items, method: GET}]',
      '  exposes:',
      '    - type: rest',
      '      namespace: bound-rest',
      '      address: 127.0.0.1',
      '      port: 8080',
      "      authentication: {type: apikey, key: '{{HEADER}}', value: '{{INBOUND_TOKEN}}'}",
      '      resources:',
      '        - path: /items',
      '          name: items',
      '          description: Items.',
      '          operations: [{method: GET, name: list-items, call: up.list-items}]',
      '',
    ].join('\n'),
  );

  it('secrets without a value are not needed; a value the document shows is, and is named', async () => {
    const named = await runCli(['export', 'openapi', file], {
      env: { AUTHORING_HEADER_NAME: 'X-Bound-Key' },
    });
    expect(named.code, named.stderr).toBe(0);
    const doc = JSON.parse(named.stdout) as Json;
    expect((doc.components as Json).securitySchemes).toEqual({
      apiKeyAuth: { type: 'apiKey', in: 'header', name: 'X-Bound-Key' },
    });
    expect(named.stdout).not.toMatch(/naftiko_unbound/);

    const unnamed = await runCli(['export', 'openapi', file], {
      env: { AUTHORING_HEADER_NAME: undefined },
    });
    expect(unnamed.code).toBe(2);
    expect(unnamed.stdout).toBe('');
    expect(unnamed.stderr).toMatch(/depends on the value of env\.HEADER.*\[BINDING_UNRESOLVED\]/);
  });
});

describe('OpenAPI 3.1 → 3.0 conversion', () => {
  const doc31 = (schema: unknown): Json => ({
    openapi: '3.1.0',
    info: { title: 't', version: '1', summary: 'only in 3.1' },
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    webhooks: {},
    security: [{ bearerAuth: ['items:read'] }],
    paths: {
      '/a': {
        get: {
          parameters: [{ name: 'x', in: 'query', schema }],
          responses: {
            '200': { description: 'ok', content: { 'application/json': { schema } } },
          },
        },
      },
    },
    components: {
      schemas: { S: schema },
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } },
    },
  });

  it('each 3.1-only construct: invalid as 3.0 before, valid after', async () => {
    const constructs: unknown[] = [
      { type: ['string', 'null'] },
      { type: ['integer', 'string'] },
      { type: 'null' },
      { const: 'fixed' },
      { type: 'integer', exclusiveMinimum: 3, exclusiveMaximum: 9 },
      { type: 'string', examples: ['a', 'b'] },
      { $defs: { x: { type: 'string' } }, type: 'object' },
      { type: 'array', prefixItems: [{ type: 'string' }] },
      { type: 'object', properties: { n: { type: ['number', 'null'], const: 1 } } },
      { $ref: '#/components/schemas/T', description: 'a ref with siblings' },
    ];
    for (const schema of constructs) {
      const doc: Json = doc31(schema);
      (doc.components as { schemas: Json }).schemas.T = { type: 'string' };
      const before = await validate(structuredClone({ ...doc, openapi: '3.0.3' }) as never);
      const converted = openApiTo30(doc);
      const after = await validate(structuredClone(converted) as never);
      expect(
        after.valid,
        `${JSON.stringify(schema)}: ${after.valid ? '' : compileErrors(after)}`,
      ).toBe(true);
      if (!JSON.stringify(schema).includes('$ref')) {
        expect(before.valid, `${JSON.stringify(schema)} should need converting`).toBe(false);
      }
    }
  });

  it('rewrites schemas to their 3.0 equivalents', () => {
    expect(schemaTo30({ type: ['string', 'null'] })).toEqual({ type: 'string', nullable: true });
    expect(schemaTo30({ type: ['integer', 'string'] })).toEqual({
      anyOf: [{ type: 'integer' }, { type: 'string' }],
    });
    expect(schemaTo30({ const: 'x', type: 'string' })).toEqual({ enum: ['x'], type: 'string' });
    expect(schemaTo30({ examples: [1, 2] })).toEqual({ example: 1 });
    expect(schemaTo30({ exclusiveMinimum: 0, minimum: -5 })).toEqual({
      minimum: 0,
      exclusiveMinimum: true,
    });
    expect(schemaTo30({ anyOf: [{ type: 'string' }, { type: 'null' }] })).toEqual({
      anyOf: [{ type: 'string' }],
      nullable: true,
    });
    expect(schemaTo30({ $ref: '#/x', description: 'd' })).toEqual({
      description: 'd',
      allOf: [{ $ref: '#/x' }],
    });
    expect(schemaTo30({ type: 'array' })).toEqual({ type: 'array', items: {} });
    expect(schemaTo30({ type: 'string', contentEncoding: 'base64' })).toEqual({
      type: 'string',
      format: 'byte',
    });
  });

  it('document level: version, 3.1-only fields, scopes only on OAuth schemes', () => {
    const converted = openApiTo30(doc31({ type: 'string' }));
    expect(converted.openapi).toBe('3.0.3');
    expect(converted.info).toEqual({ title: 't', version: '1' });
    expect(converted).not.toHaveProperty('webhooks');
    expect(converted).not.toHaveProperty('jsonSchemaDialect');
    expect(converted.security).toEqual([{ bearerAuth: [] }]);
  });
});
