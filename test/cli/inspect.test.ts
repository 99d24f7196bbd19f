/**
 * `naftiko inspect` (issue 12): what a capability would serve — adapters, and one row per REST
 * operation, MCP tool/resource/prompt, skill route and control endpoint, with the upstream call,
 * the derived inputs and the inbound authentication — without starting servers; as a table that
 * fits the terminal, or JSON. An invalid capability gets validate's diagnostics and exit 1.
 */
import path from 'node:path';
import { describe, beforeAll, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../helpers/cli.js';
import { ensureBuilt } from '../helpers/run-capability.js';
import { SEED } from '../e2e/support.js';

const CATALOG = path.join(REPO_ROOT, 'test', 'fixtures', 'authoring', 'catalog.yaml');
const NO_SECRETS = { AUTHORING_CATALOG_TOKEN: undefined, AUTHORING_STORE_KEY: undefined };

interface Entry {
  adapter: string;
  type: string;
  kind: string;
  name: string;
  upstream: { mode: string; calls: string[] };
  inputs: { name: string; required: boolean; in?: string; type?: string }[];
  authentication: string;
}
interface Model {
  capability: { file: string; label?: string };
  adapters: {
    type: string;
    namespace: string;
    address?: string;
    port?: number;
    transport?: string;
    authentication: string;
  }[];
  entries: Entry[];
}

beforeAll(() => ensureBuilt(), 120_000);

async function inspectJson(file: string): Promise<Model> {
  const result = await runCli(['inspect', file, '--format', 'json'], { env: NO_SECRETS });
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Model;
}

const entry = (model: Model, adapter: string, name: string) => {
  const found = model.entries.find((e) => e.adapter === adapter && e.name === name);
  expect(found, `${adapter} ${name}`).toBeDefined();
  return found!;
};

describe('naftiko inspect --format json', () => {
  it('the seed: its REST operations and MCP tools, upstream calls and derived inputs', async () => {
    const model = await inspectJson(SEED);
    expect(model.capability).toEqual({ file: SEED, label: 'Gong CRM API — CRM Integration' });
    expect(model.adapters).toEqual([
      {
        type: 'rest',
        namespace: 'crm-crm-integration-rest',
        address: '0.0.0.0',
        port: 8080,
        authentication: 'none',
      },
      {
        type: 'mcp',
        namespace: 'crm-crm-integration-mcp',
        address: 'localhost',
        port: 9090,
        transport: 'http',
        authentication: 'none',
      },
    ]);
    expect(model.entries.map((e) => `${e.adapter} ${e.kind} ${e.name}`)).toEqual([
      'crm-crm-integration-rest operation PUT /v1/crm/integrations',
      'crm-crm-integration-rest operation GET /v1/crm/integrations',
      'crm-crm-integration-rest operation DELETE /v1/crm/integrations',
      'crm-crm-integration-rest endpoint GET /openapi.json',
      'crm-crm-integration-mcp tool gong-register-crm-integration',
      'crm-crm-integration-mcp tool gong-get-crm-integration-details',
      'crm-crm-integration-mcp tool gong-delete-crm-integration',
    ]);
    expect(entry(model, 'crm-crm-integration-rest', 'DELETE /v1/crm/integrations')).toEqual({
      adapter: 'crm-crm-integration-rest',
      type: 'rest',
      kind: 'operation',
      name: 'DELETE /v1/crm/integrations',
      upstream: { mode: 'call', calls: ['crm-crm-integration.deletecrmintegration'] },
      inputs: [
        { name: 'integrationId', required: true, in: 'query', type: 'string' },
        { name: 'clientRequestId', required: false, in: 'query', type: 'string' },
      ],
      authentication: 'none',
    });
    expect(entry(model, 'crm-crm-integration-mcp', 'gong-register-crm-integration').inputs).toEqual(
      [{ name: 'body', required: true, type: 'object' }],
    );
  });

  it('every kind of entry: auth, steps, mock, forward, variants, resources, prompts, skills, control', async () => {
    const model = await inspectJson(CATALOG);
    expect(model.adapters.map((a) => `${a.type} ${a.namespace} ${a.authentication}`)).toEqual([
      'rest catalog-api apikey',
      'rest public-api none',
      'mcp catalog-mcp bearer',
      'skill catalog-skills none',
      'control control none',
    ]);
    const at = (adapter: string, name: string) => entry(model, adapter, name);
    expect(at('catalog-api', 'GET /items/{item-id}')).toMatchObject({
      upstream: { mode: 'call', calls: ['store.get-item'] },
      inputs: [
        { name: 'item-id', required: true, in: 'path', type: 'string' },
        { name: 'fields', required: false, in: 'query' },
      ],
      authentication: 'apikey',
    });
    expect(at('catalog-api', 'GET /items').inputs).toEqual([
      { name: 'limit', required: false, in: 'query', type: 'integer' },
      { name: 'category', required: true, in: 'query' },
    ]);
    expect(at('catalog-api', 'POST /items').inputs).toEqual([
      { name: 'body', required: true, in: 'body', type: 'object' },
    ]);
    expect(at('catalog-api', 'GET /v1/?Action=Search').inputs).toEqual([
      { name: 'q', required: true, in: 'query' },
    ]);
    expect(at('catalog-api', 'GET /items/{item-id}/summary').upstream).toEqual({
      mode: 'steps',
      calls: ['store.get-item', 'store.list-items'],
    });
    expect(at('catalog-api', 'GET /status').upstream).toEqual({ mode: 'mock', calls: [] });
    expect(at('catalog-api', 'GET|POST|PUT|PATCH|DELETE /raw/**').upstream).toEqual({
      mode: 'forward',
      calls: ['store'],
    });
    expect(at('public-api', 'GET /count').authentication).toBe('none');
    expect(at('catalog-mcp', 'get-item')).toMatchObject({
      kind: 'tool',
      inputs: [{ name: 'id', required: true }],
      authentication: 'bearer',
    });
    expect(at('catalog-mcp', 'catalog://items/{id}')).toMatchObject({
      kind: 'resource',
      upstream: { mode: 'call', calls: ['store.get-item'] },
    });
    expect(at('catalog-mcp', 'describe-item')).toMatchObject({
      kind: 'prompt',
      upstream: { mode: 'template' },
      inputs: [{ name: 'item', required: true }],
    });
    expect(at('catalog-skills', 'GET /skills/catalog-ops').upstream.calls).toEqual([
      'catalog-mcp.get-item',
    ]);
    expect(model.entries.filter((e) => e.adapter === 'control').map((e) => e.name)).toEqual([
      'GET /health/live',
      'GET /health/ready',
      'GET /status',
      'GET /metrics',
      'GET /traces',
      'GET /traces/{id}',
    ]);
    // Never a secret, nor a stand-in for one.
    expect(JSON.stringify(model)).not.toMatch(/naftiko_unbound/);
  });

  it('REST inputs are the parameters of the exported OpenAPI document', async () => {
    const model = await inspectJson(CATALOG);
    const exported = await runCli(['export', 'openapi', CATALOG], { env: NO_SECRETS });
    const doc = JSON.parse(exported.stdout) as {
      paths: Record<
        string,
        Record<string, { parameters: { name: string; required: boolean }[]; requestBody?: unknown }>
      >;
    };
    for (const e of model.entries.filter(
      (x) => x.adapter === 'catalog-api' && x.kind === 'operation',
    )) {
      if (e.upstream.mode === 'forward' || e.name.includes('?')) continue;
      const [method, route] = e.name.split(' ') as [string, string];
      const op = doc.paths[route]?.[method.toLowerCase()];
      expect(op, e.name).toBeDefined();
      const params = op!.parameters.map((p) => `${p.name}${p.required ? '*' : ''}`);
      const inputs = e.inputs
        .filter((i) => i.in !== 'body')
        .map((i) => `${i.name}${i.required ? '*' : ''}`);
      expect(inputs, e.name).toEqual(params);
      expect(
        e.inputs.some((i) => i.in === 'body'),
        e.name,
      ).toBe(op!.requestBody !== undefined);
    }
  });
});

describe('naftiko inspect (text)', () => {
  it('a table of adapters and entries that fits the terminal width', async () => {
    for (const columns of [80, 120, 200]) {
      const result = await runCli(['inspect', CATALOG], {
        env: { ...NO_SECRETS, COLUMNS: String(columns) },
      });
      expect(result.code, result.stderr).toBe(0);
      const lines = result.stdout.split('\n');
      expect(lines[0]).toBe('Catalog: 5 adapters, 23 entries');
      for (const line of lines) expect([...line].length, line).toBeLessThanOrEqual(columns);
      const header = lines.find((l) => l.startsWith('ADAPTER'));
      expect(header).toMatch(/^ADAPTER\s+ROUTE \/ TOOL\s+UPSTREAM\s+INPUTS\s+AUTH$/);
      const rows = lines.filter((l) => /^(catalog-|public-api|control)\S*\s/.test(l));
      expect(rows).toHaveLength(23);
    }
    const wide = await runCli(['inspect', CATALOG], { env: { ...NO_SECRETS, COLUMNS: '200' } });
    expect(wide.stdout).toMatch(
      /catalog-api\s+GET \/items\/\{item-id\}\s+store\.get-item\s+item-id\*, fields\s+apikey/,
    );
    expect(wide.stdout).toMatch(
      /catalog-api\s+GET \/items\/\{item-id\}\/summary\s+steps: store\.get-item → store\.list-items\s/,
    );
    expect(wide.stdout).toMatch(/forward → store/);
    expect(wide.stdout).toMatch(/catalog-mcp\s+tool get-item\s+store\.get-item\s+id\*\s+bearer/);
    expect(wide.stdout).toContain('* required input');
    const narrow = await runCli(['inspect', CATALOG], { env: { ...NO_SECRETS, COLUMNS: '80' } });
    expect(narrow.stdout).toContain('…');
  });

  it('an invalid capability: the diagnostics as validate prints them, exit 1', async () => {
    const file = path.join(REPO_ROOT, 'test', 'fixtures', 'invalid', 'dangling-call.yaml');
    const result = await runCli(['inspect', file]);
    const validate = await runCli(['validate', file]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const diagnostics = validate.stdout.split('\n').filter((l) => / error /.test(l));
    expect(diagnostics.length).toBeGreaterThan(0);
    for (const line of diagnostics) expect(result.stderr).toContain(line);
    expect(result.stderr).toMatch(/\[SPEC_INVALID\]/);
  });
});
