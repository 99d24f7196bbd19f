/**
 * `naftiko import openapi` on the tutorial's two upstream descriptions, end to end with the real
 * CLI: import → `validate --strict` (0 errors) → `naftiko run` against a stand-in serving the same
 * OpenAPI's examples → every GET route of the REST adapter and every GET tool of the MCP adapter
 * answers the stand-in's example data (compared with what the stand-in itself chooses). The
 * tutorial is read in place; the suite is skipped when ../shared/tutorial is absent.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { compileRoutes, deref, matchRoute } from '../helpers/openapi-examples.js';
import type { OpenApiDocument } from '../helpers/openapi-examples.js';
import { startOpenApiStandIn } from '../helpers/openapi-stand-in.js';
import type { OpenApiStandIn } from '../helpers/openapi-stand-in.js';
import {
  ensureBuilt,
  REPO_ROOT,
  startCapability,
  stopAllCapabilities,
} from '../helpers/run-capability.js';
import { callTool, connectMcp } from '../e2e/tutorial-support.js';

const UPSTREAMS = path.resolve(REPO_ROOT, '../shared/tutorial/upstreams');
const available = existsSync(UPSTREAMS);

interface Capability {
  binds?: { keys: Record<string, string> }[];
  capability: {
    consumes: { namespace: string }[];
    exposes: {
      type: string;
      namespace: string;
      resources?: { path: string; operations: { method: string; call: string }[] }[];
      tools?: { name: string; call: string; hints?: { readOnly?: boolean } }[];
    }[];
  };
}

/** A GET of the OpenAPI: its template, path parameter values (from the examples) and operationId. */
interface GetCase {
  readonly template: string;
  readonly operationId: string;
  readonly params: Map<string, string>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Every GET with the first example value of each path parameter. */
function getCases(doc: OpenApiDocument): GetCase[] {
  const cases: GetCase[] = [];
  for (const [template, item] of Object.entries(doc.paths as Record<string, unknown>)) {
    const op = deref(doc, (item as Record<string, unknown>).get);
    if (!isRecord(op)) continue;
    const params = new Map<string, string>();
    for (const raw of (op.parameters as unknown[] | undefined) ?? []) {
      const p = deref(doc, raw) as Record<string, unknown>;
      if (p.in !== 'path') continue;
      const examples = isRecord(p.examples) ? Object.values(p.examples) : [];
      const first = examples.map((e) => (deref(doc, e) as Record<string, unknown>).value)[0];
      params.set(String(p.name), String(first ?? p.example));
    }
    cases.push({ template, operationId: String(op.operationId), params });
  }
  return cases;
}

function fill(template: string, params: ReadonlyMap<string, string>, braces: 1 | 2): string {
  const pattern = braces === 1 ? /\{([^}]+)\}/g : /\{\{([^}]+)\}\}/g;
  return template.replace(pattern, (_, name: string) => encodeURIComponent(params.get(name) ?? ''));
}

/** The body the stand-in answers for a GET of `url` with no query, and its media type. */
function expected(doc: OpenApiDocument, pathname: string): { body: string; contentType: string } {
  const matched = matchRoute(compileRoutes(doc), pathname);
  const op = matched?.route.operations.get('get');
  if (matched === undefined || op === undefined) throw new Error(`no GET ${pathname}`);
  const answer = op.respond(matched.params, { query: new URLSearchParams(), json: undefined });
  expect(answer.status).toBe(200);
  return { body: answer.body, contentType: answer.contentType };
}

function same(actual: string, wanted: { body: string; contentType: string }): void {
  if (wanted.contentType.includes('json'))
    expect(JSON.parse(actual)).toEqual(JSON.parse(wanted.body));
  else expect(actual).toBe(wanted.body);
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'naftiko-import-tutorial-'));

describe.skipIf(!available)('import openapi: the tutorial upstreams, end to end', () => {
  beforeAll(() => ensureBuilt(), 120_000);
  afterEach(async () => stopAllCapabilities());
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  const files = available
    ? ['naftiko-shipyard-maritime-registry-api.yaml', 'naftiko-shipyard-legacy-dockyard-api.yaml']
    : [];

  for (const name of files) {
    it(`${name}: validates --strict and every GET route and tool answers the examples`, async () => {
      const source = path.join(UPSTREAMS, name);
      const out = path.join(tmp, name);
      const imported = await runCli(['import', 'openapi', source, '-o', out]);
      expect(imported.code, imported.stderr).toBe(0);

      const validated = await runCli(['validate', '--strict', out]);
      expect(validated.code, validated.stdout).toBe(0);
      expect(validated.stdout).toMatch(/1 file, 0 errors/);

      const doc = yaml.load(readFileSync(source, 'utf8')) as OpenApiDocument;
      const capability = yaml.load(readFileSync(out, 'utf8')) as Capability;
      const variables = Object.keys(capability.binds?.[0]?.keys ?? {});
      expect(variables).toHaveLength(1);
      const secret = 'import-test-secret';
      let standIn: OpenApiStandIn | undefined;
      try {
        standIn = await startOpenApiStandIn(source, { bearerToken: secret, apiKey: secret });
        const ns = capability.capability.consumes[0]?.namespace as string;
        const running = await startCapability(
          out,
          ['--base-uri', `${ns}=${standIn.url}`, '--address', '*=127.0.0.1'],
          Object.fromEntries(variables.map((v) => [v, secret])),
        );
        const rest = capability.capability.exposes.find((e) => e.type === 'rest');
        const mcp = capability.capability.exposes.find((e) => e.type === 'mcp');
        const restUrl = running.urls.get(rest?.namespace ?? '') as string;
        const mcpUrl = running.urls.get(mcp?.namespace ?? '') as string;
        expect(restUrl).toBeDefined();
        expect(mcpUrl).toBeDefined();

        const cases = getCases(doc);
        expect(cases.length).toBeGreaterThan(0);
        // Every GET of the OpenAPI is a GET route and a read-only tool.
        const routes = (rest?.resources ?? []).flatMap((r) =>
          r.operations
            .filter((o) => o.method === 'GET')
            .map((o) => ({ path: r.path, call: o.call })),
        );
        const tools = (mcp?.tools ?? []).filter((t) => t.hints?.readOnly === true);
        expect(routes).toHaveLength(cases.length);
        expect(tools).toHaveLength(cases.length);

        const client = await connectMcp(mcpUrl);
        try {
          for (const c of cases) {
            const want = expected(doc, fill(c.template, c.params, 1));
            const call = `${ns}.${c.operationId}`;
            const route = routes.find((r) => r.call === call);
            expect(route, call).toBeDefined();
            const response = await fetch(`${restUrl}${fill(route?.path ?? '', c.params, 2)}`);
            const body = await response.text();
            expect(response.status, body).toBe(200);
            same(body, want);

            const tool = tools.find((t) => t.call === call);
            expect(tool, call).toBeDefined();
            const outcome = await callTool(client, tool?.name ?? '', Object.fromEntries(c.params));
            expect(outcome.isError, outcome.text).toBe(false);
            same(outcome.text, want);
          }
        } finally {
          await client.close();
        }
        // The credential went upstream as the security scheme says.
        const authorised = standIn.requests.filter((r) => r.status === 200);
        expect(authorised.length).toBe(cases.length * 2);
        expect(standIn.requests.every((r) => r.status === 200)).toBe(true);
      } finally {
        await stopAllCapabilities();
        await standIn?.close();
      }
    }, 60_000);
  }
});
