/**
 * `naftiko create capability` (issue 12): a scaffold from flags (or prompts on a terminal) that
 * passes `validate --strict` and runs: created against a loopback upstream, started with the real
 * CLI, its REST route answers with the upstream's answer.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import jsYaml from 'js-yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { askMissing } from '../../src/authoring/scaffold-prompts.js';
import { runCli } from '../helpers/cli.js';
import { ensureBuilt, startCapability, stopAllCapabilities } from '../helpers/run-capability.js';
import { http } from '../e2e/support.js';

const dir = mkdtempSync(path.join(tmpdir(), 'naftiko-create-'));
const requests: { method: string; url: string }[] = [];
let upstream: Server;
let upstreamUrl: string;

beforeAll(async () => {
  ensureBuilt();
  upstream = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '' });
    const id = /^\/v2\/items\/([^/]+)$/.exec(req.url ?? '')?.[1];
    res.setHeader('content-type', 'application/json');
    if (id === undefined) {
      res.statusCode = 404;
      res.end(JSON.stringify({ error: 'no such route' }));
    } else res.end(JSON.stringify({ id: decodeURIComponent(id), name: `Item ${id}` }));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v2`;
}, 120_000);
afterEach(stopAllCapabilities);
afterAll(async () => {
  await new Promise((resolve) => upstream?.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

/** `naftiko create capability ...` in the temporary folder, never on a terminal. */
const create = (args: readonly string[]) => runCli(['create', 'capability', ...args], { cwd: dir });

describe('naftiko create capability', () => {
  it('writes <name>.yaml from flags; it passes validate --strict with no warning, and runs', async () => {
    const created = await create(['--name', 'item-lookup', '--base-uri', upstreamUrl]);
    expect(created.code, created.stderr).toBe(0);
    const file = path.join(dir, 'item-lookup.yaml');
    expect(existsSync(file)).toBe(true);
    expect(created.stderr).toContain('item-lookup.yaml');

    const strict = await runCli(['validate', '--strict', file]);
    expect(strict.code, strict.stdout).toBe(0);
    expect(strict.stdout).toContain('1 file, 0 errors, 0 warnings');

    const engine = await startCapability(file);
    const res = await http(engine.urls.get('item-lookup-rest')!, 'GET', '/items/42');
    expect(res.status, res.text).toBe(200);
    expect(res.json).toEqual({ id: '42', name: 'Item 42' });
    expect(requests.at(-1)).toEqual({ method: 'GET', url: '/v2/items/42' });
  });

  it('the document: info, a consumes block at the base URI, a REST adapter wired with `with`, commented next steps', async () => {
    const result = await create([
      '--name',
      'crm-sync',
      '--base-uri',
      'https://api.example.com/v2/',
      '--port',
      '8181',
      '-o',
      '-',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(existsSync(path.join(dir, 'crm-sync.yaml'))).toBe(false);
    expect(result.stdout).toMatch(/^# Crm Sync: /);
    expect(result.stdout).toContain('# Next steps:');
    expect(result.stdout).toContain('naftiko validate --strict');
    const doc = jsYaml.load(result.stdout) as {
      naftiko: string;
      info: { label: string; description: string };
      capability: {
        consumes: { namespace: string; baseUri: string; resources: { path: string }[] }[];
        exposes: {
          type: string;
          port: number;
          resources: { path: string; operations: { call: string; with: unknown }[] }[];
        }[];
      };
    };
    expect(doc.naftiko).toBe('1.0.0-alpha2');
    expect(doc.info.label).toBe('Crm Sync');
    expect(doc.capability.consumes).toHaveLength(1);
    expect(doc.capability.consumes[0]).toMatchObject({
      namespace: 'crm-sync-api',
      baseUri: 'https://api.example.com/v2',
    });
    expect(doc.capability.exposes.map((a) => a.type)).toEqual(['rest']);
    const rest = doc.capability.exposes[0]!;
    expect(rest.port).toBe(8181);
    expect(rest.resources[0]?.operations[0]).toMatchObject({
      call: 'crm-sync-api.get-item',
      with: { id: 'crm-sync-rest.id' },
    });
  });

  it('--mcp-port adds an MCP adapter with a tool; still strict-valid, and it runs', async () => {
    const file = path.join(dir, 'with-mcp.yaml');
    const result = await create([
      '--name',
      'item-tools',
      '--base-uri',
      upstreamUrl,
      '--port',
      '8282',
      '--mcp-port',
      '9292',
      '-o',
      file,
    ]);
    expect(result.code, result.stderr).toBe(0);
    const strict = await runCli(['validate', '--strict', file]);
    expect(strict.stdout).toContain('1 file, 0 errors, 0 warnings');
    const inspect = await runCli(['inspect', file, '--format', 'json']);
    expect(inspect.code, inspect.stderr).toBe(0);
    const model = JSON.parse(inspect.stdout) as {
      adapters: { type: string; port: number }[];
      entries: { kind: string; name: string; upstream: { calls: string[] } }[];
    };
    expect(model.adapters.map((a) => [a.type, a.port])).toEqual([
      ['rest', 8282],
      ['mcp', 9292],
    ]);
    expect(model.entries.find((e) => e.kind === 'tool')).toMatchObject({
      name: 'get-item',
      upstream: { calls: ['item-tools-api.get-item'] },
    });

    const engine = await startCapability(file);
    expect([...engine.urls.keys()].sort()).toEqual(['item-tools-mcp', 'item-tools-rest']);
    const res = await http(engine.urls.get('item-tools-rest')!, 'GET', '/items/a%20b');
    expect(res.json).toEqual({ id: 'a b', name: 'Item a%20b' });
  });

  it('keeps an existing file unless --force', async () => {
    const file = path.join(dir, 'existing.yaml');
    writeFileSync(file, 'keep me\n');
    const refused = await create(['--name', 'existing', '--base-uri', upstreamUrl]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/existing\.yaml exists.*--force.*\[USAGE_INVALID\]/);
    expect(readFileSync(file, 'utf8')).toBe('keep me\n');

    const forced = await create(['--name', 'existing', '--base-uri', upstreamUrl, '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(file, 'utf8')).toContain('namespace: existing-rest');
  });

  it('not on a terminal: missing flags are named, exit 2; invalid values are refused', async () => {
    const none = await create([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/missing --name and --base-uri .*\[USAGE_INVALID\]/);
    const noUri = await create(['--name', 'x']);
    expect(noUri.code).toBe(2);
    expect(noUri.stderr).toMatch(/missing --base-uri /);
    expect(noUri.stderr).not.toMatch(/--name and/);

    for (const [args, message] of [
      [['--name', 'Not Kebab', '--base-uri', upstreamUrl], /--name must be kebab-case/],
      [['--name', 'ok', '--base-uri', 'ftp://example.com'], /--base-uri must be an http/],
      [['--name', 'ok', '--base-uri', 'example.com'], /--base-uri must be an absolute/],
      [['--name', 'ok', '--base-uri', upstreamUrl, '--port', '70000'], /--port must be a port/],
      [
        ['--name', 'ok', '--base-uri', upstreamUrl, '--port', '8080', '--mcp-port', '8080'],
        /--mcp-port must differ/,
      ],
    ] as const) {
      const result = await create([...args, '-o', '-']);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stdout).toBe('');
    }
  });
});

describe('create capability prompts (on a terminal)', () => {
  it('asks for what the flags left out, again after a wrong answer, with defaults', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let asked = '';
    const replies = ['Bad Name', 'crm-sync', 'not a uri', 'http://127.0.0.1:1/v1', '', '9191'];
    output.on('data', (chunk: Buffer) => {
      asked += chunk.toString();
      // Answers each question once it is asked, as a person does; nothing more than planned.
      if (asked.endsWith(': ') && replies.length > 0) input.write(`${replies.shift()}\n`);
    });
    const answers = await askMissing({}, { input, output });
    expect(answers).toEqual({
      name: 'crm-sync',
      baseUri: 'http://127.0.0.1:1/v1',
      port: '8080',
      mcpPort: '9191',
    });
    expect(asked).toContain('Capability name (kebab-case): ');
    expect(asked).toContain('--name must be kebab-case');
    expect(asked).toContain('REST adapter port [8080]: ');
  });

  it('asks nothing that was given', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let asked = '';
    output.on('data', (chunk: Buffer) => {
      asked += chunk.toString();
      if (asked === "Upstream API's base URI: ") input.write('http://127.0.0.1:2\n');
    });
    const answers = await askMissing(
      { name: 'given', port: '8080', mcpPort: '' },
      { input, output },
    );
    expect(answers).toEqual({
      name: 'given',
      baseUri: 'http://127.0.0.1:2',
      port: '8080',
      mcpPort: '',
    });
    expect(asked).toBe("Upstream API's base URI: ");
  });
});
