/**
 * Edge cases of `naftiko import openapi` found in review: folder outputs that would collide, names
 * longer than the MCP tool-name limit, explicit operationIds a generated name must not take,
 * duplicate operationIds, query arrays sent as one value (Swagger `collectionFormat`, OpenAPI
 * `explode: false`, pipe/space delimited), deepObject parameters, `oneOf`/`anyOf` of differing
 * types, `content:` parameters, non-ASCII titles, deprecated operations, enums, path-item and
 * operation `servers`, and the unsupported-version message. Real loader, real strict validator,
 * the built CLI as a subprocess.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOpenApi } from '../../src/import/load-openapi.js';
import { enumPattern, kebab, openApiToCapability } from '../../src/import/openapi-to-capability.js';
import type { ImportResult } from '../../src/import/openapi-to-capability.js';
import { writeYaml } from '../../src/import/yaml-writer.js';
import { createValidator } from '../../src/spec/validate.js';
import { REPO_ROOT, ensureBuilt, runCli } from '../helpers/cli.js';

const FIXTURES = path.join(REPO_ROOT, 'test/fixtures/openapi');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'naftiko-import-edge-'));

type Node = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function load(name: string): Promise<ImportResult> {
  return openApiToCapability(await loadOpenApi(path.join(FIXTURES, name)));
}

function text(result: ImportResult): string {
  return writeYaml(result.document, { header: result.header, comments: result.comments });
}

async function strictDiagnostics(result: ImportResult): Promise<string[]> {
  const validator = createValidator({ strict: true });
  const report = await validator.validateText(path.join(FIXTURES, 'imported.yaml'), text(result));
  return report.diagnostics.map((d) => `${d.severity} ${d.rule} ${d.message}`);
}

function restOps(doc: Node): Node[] {
  const rest = (doc.capability.exposes as Node[]).find((e) => e.type === 'rest') as Node;
  return (rest.resources as Node[]).flatMap((r) => r.operations as Node[]);
}

function restOp(doc: Node, name: string): Node {
  const found = restOps(doc).find((o) => o.name === name);
  if (found === undefined) throw new Error(`no REST operation ${name}`);
  return found;
}

function tool(doc: Node, name: string): Node {
  const mcp = (doc.capability.exposes as Node[]).find((e) => e.type === 'mcp') as Node;
  const found = (mcp.tools as Node[]).find((t) => t.name === name);
  if (found === undefined) throw new Error(`no tool ${name}`);
  return found;
}

function input(op: Node, name: string): Node {
  const found = (op.inputParameters as Node[]).find((p) => p.name === name);
  if (found === undefined) throw new Error(`no input ${name}`);
  return found;
}

describe('import openapi: edge cases (OpenAPI 3.0)', () => {
  it('the output validates --strict with no error', async () => {
    const result = await load('edge-openapi30.yaml');
    expect((await strictDiagnostics(result)).filter((d) => d.startsWith('error'))).toEqual([]);
  });

  it('non-ASCII titles lose their accents in names', async () => {
    expect(kebab('Sécurité Café')).toBe('securite-cafe');
    expect(kebab('Ångström Größe Ørsted')).toBe('angstrom-grosse-orsted');
    const doc = (await load('edge-openapi30.yaml')).document as Node;
    expect(doc.capability.consumes[0].namespace).toBe('securite-cafe');
  });

  it('names longer than 64 characters are cut with a stable hash, and stay unique', async () => {
    const result = await load('edge-openapi30.yaml');
    const names = restOps(result.document as Node).map((o) => String(o.name));
    const long = names.filter((n) => n.startsWith('this-operation-identifier'));
    expect(long).toHaveLength(2);
    for (const name of long) {
      expect(name.length).toBeLessThanOrEqual(64);
      expect(name).toMatch(/-[0-9a-z]{6}$/);
    }
    expect(new Set(long).size).toBe(2);
    // Stable: the same input gives the same names.
    const again = restOps((await load('edge-openapi30.yaml')).document as Node).map((o) => o.name);
    expect(again).toEqual(names);
    expect(result.warnings.join('\n')).toMatch(/names are at most 64 characters/);
  });

  it('an explicit operationId keeps its name; a generated one gives way', async () => {
    const result = await load('edge-openapi30.yaml');
    const doc = result.document as Node;
    expect(restOp(doc, 'get-b').method).toBe('POST');
    expect(restOp(doc, 'get-b-2').method).toBe('GET');
  });

  it('a duplicate operationId is renamed with a warning and a comment', async () => {
    const result = await load('edge-openapi30.yaml');
    const doc = result.document as Node;
    expect(restOp(doc, 'list-things').method).toBe('GET');
    expect(restOp(doc, 'list-things-2').method).toBe('PUT');
    expect(result.warnings).toContain(
      'PUT /dup: duplicate operationId "listThings" renamed list-things-2: another operation is already named list-things',
    );
    expect(text(result)).toMatch(/# duplicate operationId "listThings" renamed list-things-2/);
  });

  it('query arrays sent as one value are strings; exploded ones stay arrays', async () => {
    const doc = (await load('edge-openapi30.yaml')).document as Node;
    const op = restOp(doc, 'search');
    expect(input(op, 'csv')).toMatchObject({ type: 'string' });
    expect(input(op, 'csv').description).toMatch(/comma-separated values/);
    expect(input(op, 'pipes')).toMatchObject({ type: 'string' });
    expect(input(op, 'pipes').description).toMatch(/pipe-separated values/);
    expect(input(op, 'spaces')).toMatchObject({ type: 'string' });
    expect(input(op, 'spaces').description).toMatch(/space-separated values/);
    expect(input(op, 'multi')).toMatchObject({ type: 'array' });
    expect(input(tool(doc, 'search'), 'csv')).toMatchObject({ type: 'string' });
  });

  it('a deepObject parameter is skipped with a warning and a comment', async () => {
    const result = await load('edge-openapi30.yaml');
    const op = restOp(result.document as Node, 'search');
    expect((op.inputParameters as Node[]).map((p) => p.name)).not.toContain('filter');
    expect(result.warnings.join('\n')).toMatch(/GET \/search: deepObject query parameter "filter"/);
    expect(text(result)).toMatch(/# deepObject query parameter "filter"/);
  });

  it('a parameter of mixed oneOf types is a string, described', async () => {
    const op = restOp((await load('edge-openapi30.yaml')).document as Node, 'search');
    expect(input(op, 'mixed')).toMatchObject({ type: 'string' });
    expect(input(op, 'mixed').description).toMatch(/One of: integer, string/);
  });

  it('a `content:` parameter is typed from its media type schema', async () => {
    const op = restOp((await load('edge-openapi30.yaml')).document as Node, 'search');
    expect(input(op, 'where')).toMatchObject({ type: 'object' });
  });

  it('a string enum is a pattern (escaped) on REST inputs and a description on tools', async () => {
    const doc = (await load('edge-openapi30.yaml')).document as Node;
    const mode = input(restOp(doc, 'search'), 'mode');
    expect(mode.pattern).toBe('^(a\\.b|c\\|d|plain)$');
    expect(enumPattern(['a.b', 'c|d', 'plain'])).toBe(mode.pattern);
    const re = new RegExp(mode.pattern as string);
    expect(['a.b', 'c|d', 'plain'].map((v) => re.test(v))).toEqual([true, true, true]);
    expect(['axb', 'c', 'd', 'plainer'].some((v) => re.test(v))).toBe(false);
    expect(input(tool(doc, 'search'), 'mode').description).toMatch(/One of: a\.b, c\|d, plain\./);
  });

  it('a body of mixed anyOf types is described and warned about', async () => {
    const result = await load('edge-openapi30.yaml');
    const body = input(restOp(result.document as Node, 'add-note'), 'body');
    expect(body.description).toMatch(/One of: object, string/);
    expect(result.warnings.join('\n')).toMatch(
      /POST \/notes: its request body is one of object, string/,
    );
  });

  it('a deprecated operation is kept, marked in descriptions and a comment', async () => {
    const result = await load('edge-openapi30.yaml');
    const doc = result.document as Node;
    expect(restOp(doc, 'old-thing').description).toBe('The old way (deprecated)');
    expect(tool(doc, 'old-thing').description).toBe('The old way (deprecated)');
    expect(text(result)).toMatch(/# deprecated in the OpenAPI description\n\s*- name: old-thing/);
  });

  it('path-item and operation servers get a consumes namespace of their own', async () => {
    const doc = (await load('edge-openapi30.yaml')).document as Node;
    const consumes = doc.capability.consumes as Node[];
    expect(consumes.map((c) => [c.namespace, c.baseUri])).toEqual([
      ['securite-cafe', 'https://api.example.com/v1'],
      ['securite-cafe-server-2', 'https://uploads.example.com'],
      ['securite-cafe-server-3', 'https://mirror.example.com/v1'],
    ]);
    expect(restOp(doc, 'upload').call).toBe('securite-cafe-server-2.upload');
    expect(tool(doc, 'mirror').call).toBe('securite-cafe-server-3.mirror');
    expect(restOp(doc, 'search').call).toBe('securite-cafe.search');
    const main = ((consumes[0] as Node).resources as Node[]).map((r) => r.path);
    expect(main).not.toContain('/uploads');
    expect(main).not.toContain('/mirror');
  });
});

describe('import openapi: Swagger 2.0 collectionFormat', () => {
  it('csv (the default), ssv, tsv and pipes are strings; multi stays an array', async () => {
    const result = await load('collection-swagger2.yaml');
    const op = restOp(result.document as Node, 'list-items');
    const types = Object.fromEntries((op.inputParameters as Node[]).map((p) => [p.name, p.type]));
    expect(types).toEqual({
      byDefault: 'string',
      csv: 'string',
      ssv: 'string',
      tsv: 'string',
      pipes: 'string',
      multi: 'array',
    });
    expect(input(op, 'byDefault').description).toMatch(/comma-separated values/);
    expect(input(op, 'ssv').description).toMatch(/space-separated values/);
    expect(input(op, 'tsv').description).toMatch(/tab-separated values/);
    expect(input(op, 'pipes').description).toMatch(/pipe-separated values/);
    expect((await strictDiagnostics(result)).filter((d) => d.startsWith('error'))).toEqual([]);
  });
});

describe('import openapi: CLI edge cases', () => {
  beforeAll(() => ensureBuilt(), 120_000);
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('a folder keeps relative paths: d/x/api.yaml and d/y/api.yaml both written', async () => {
    const out = path.join(tmp, 'nested-out');
    const result = await runCli(['import', 'openapi', path.join(FIXTURES, 'nested'), '-o', out]);
    expect(result.code, result.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['x', 'y']);
    expect(readFileSync(path.join(out, 'x/api.yaml'), 'utf8')).toMatch(/namespace: api-x\n/);
    expect(readFileSync(path.join(out, 'y/api.yaml'), 'utf8')).toMatch(/namespace: api-y\n/);
    const validated = await runCli(['validate', '--strict', out]);
    expect(validated.code, validated.stdout).toBe(0);
  });

  it('two inputs mapping to one output (a.yaml, a.json): exit 2, nothing written', async () => {
    const out = path.join(tmp, 'clash-out');
    const result = await runCli(['import', 'openapi', path.join(FIXTURES, 'clash'), '-o', out]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^naftiko: .*a\.json and .*a\.yaml would both be written to .*a\.yaml: rename one \(nothing was written\) \[USAGE_INVALID\]\n$/,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('a long operationId gives a tool name that passes validate --strict', async () => {
    const out = path.join(tmp, 'edge.yaml');
    const result = await runCli([
      'import',
      'openapi',
      path.join(FIXTURES, 'edge-openapi30.yaml'),
      '-o',
      out,
    ]);
    expect(result.code, result.stderr).toBe(0);
    const validated = await runCli(['validate', '--strict', out]);
    expect(validated.code, validated.stdout).toBe(0);
    expect(validated.stdout).toMatch(/0 errors/);
  });

  it('an unsupported version names every supported one', async () => {
    const result = await runCli(['import', 'openapi', path.join(FIXTURES, 'bad/openapi-v4.yaml')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /OpenAPI version 4\.0\.0 is not supported \(OpenAPI 3\.0, OpenAPI 3\.1 and Swagger 2\.0 are\) \[USAGE_INVALID\]\n$/,
    );
  });
});
