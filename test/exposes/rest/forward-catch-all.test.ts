/**
 * Forward resources as the contract (§7) means them, through real HTTP: `{{path}}`/`{path}` ending
 * a forward resource's path captures the whole rest of the path; the query is kept; of the
 * caller's headers only `trustedHeaders`, plus `Content-Type` when there is a body; the consumes
 * adapter's valued `inputParameters` and its authentication are applied; `Authorization` and
 * cookies are never forwarded unless trusted; `/openapi.json` shows a catch-all parameter.
 * Then every forward resource of ../shared/corpus, run against a recording upstream.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import jsYaml from 'js-yaml';
import { closeRestApps, restApp, upstream, yaml } from '../../helpers/rest-app.js';
import type { Handler, Upstream } from '../../helpers/rest-app.js';
import { REPO_ROOT } from '../../helpers/cli.js';

afterEach(closeRestApps);

const echo: Handler = (req, res) => {
  res.statusCode = 200;
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ method: req.method, url: req.url }));
};

/** The app listening on 127.0.0.1; its base URL. */
async function listening(app: Awaited<ReturnType<typeof restApp>>['app']): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

describe('forward: {{path}} captures the rest of the path (real HTTP)', () => {
  for (const form of ['{{path}}', '{path}'] as const) {
    it(`${form}: several segments, one segment, none; query kept`, async () => {
      const up = await upstream(echo);
      const { app } = await wikiApp(up, form);
      const base = await listening(app);
      for (const [sent, expected] of [
        ['/wiki/pages/p-1/blocks', '/api/pages/p-1/blocks'],
        ['/wiki/pages', '/api/pages'],
        ['/wiki', '/api'],
        ['/wiki/pages/p-1?limit=5&q=a%20b', '/api/pages/p-1?limit=5&q=a%20b'],
      ] as const) {
        const res = await fetch(`${base}${sent}`);
        expect(res.status, sent).toBe(200);
        const url = up.last().url;
        // The consumes adapter's valued query parameter is added after the caller's query.
        expect(url, sent).toBe(`${expected}${expected.includes('?') ? '&' : '?'}tenant=acme`);
      }
    });
  }

  it("applies the consumes adapter's valued inputParameters to every forwarded request", async () => {
    const up = await upstream(echo);
    const { app } = await wikiApp(up, '{{path}}');
    const base = await listening(app);
    const res = await fetch(`${base}/wiki/pages/p-1`, {
      headers: { 'x-trace': 't-1', 'wiki-version': '1999-01-01' },
    });
    expect(res.status).toBe(200);
    const req = up.last();
    // The capability's value wins over a caller's header of the same name.
    expect(req.headers['wiki-version']).toBe('2024-01-01');
    expect(req.headers['x-trace']).toBe('t-1');
  });

  it('forwards any method with its body bytes and Content-Type, never re-serialised', async () => {
    const up = await upstream(echo);
    const { app } = await wikiApp(up, '{{path}}');
    const base = await listening(app);
    const bodies: [string, string | Uint8Array][] = [
      // Whitespace, key order and an int64 beyond 2^53 survive: the bytes are not parsed.
      ['application/json', '{ "b": 1,\n  "a": 12345678901234567890 }'],
      ['application/xml', '<page><title>Hi</title></page>'],
      ['application/octet-stream', new Uint8Array([0, 255, 1, 254, 10, 13])],
      ['text/plain; charset=utf-8', 'é ü line\r\nbreak'],
    ];
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      for (const [type, content] of bodies) {
        const res = await fetch(`${base}/wiki/pages/p-2/blocks`, {
          method,
          headers: { 'content-type': type },
          body: content,
        });
        expect(res.status, `${method} ${type}`).toBe(200);
        const req = up.last();
        expect(req.method).toBe(method);
        expect(req.path).toBe('/api/pages/p-2/blocks');
        expect(req.headers['content-type'], `${method} ${type}`).toBe(type);
        const expected = typeof content === 'string' ? Buffer.from(content) : Buffer.from(content);
        expect(req.body.equals(expected), `${method} ${type}`).toBe(true);
        expect(req.headers['wiki-version']).toBe('2024-01-01');
      }
    }
    // A bodiless GET sends no Content-Type even when the caller names one.
    await fetch(`${base}/wiki/pages`, { headers: { 'content-type': 'application/json' } });
    expect(up.last().headers['content-type']).toBeUndefined();
  });

  it('never forwards Authorization or cookies unless they are trusted', async () => {
    const up = await upstream(echo);
    const { app } = await wikiApp(up, '{{path}}');
    const base = await listening(app);
    await fetch(`${base}/wiki/pages`, {
      headers: { authorization: 'Bearer caller-secret', cookie: 'sid=caller', 'x-other': '1' },
    });
    const req = up.last();
    expect(req.headers.authorization).toBeUndefined();
    expect(req.headers.cookie).toBeUndefined();
    expect(req.headers['x-other']).toBeUndefined();

    const up2 = await upstream(echo);
    const trusting = await wikiApp(up2, '{{path}}', ['Authorization', 'Cookie']);
    const base2 = await listening(trusting.app);
    await fetch(`${base2}/wiki/pages`, {
      headers: { authorization: 'Bearer caller-token', cookie: 'sid=caller' },
    });
    expect(up2.last().headers.authorization).toBe('Bearer caller-token');
    expect(up2.last().headers.cookie).toBe('sid=caller');
  });

  it('describes the forward resource in /openapi.json with a catch-all path parameter', async () => {
    const up = await upstream(echo);
    const { app } = await wikiApp(up, '{{path}}');
    const base = await listening(app);
    const doc = (await (await fetch(`${base}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const item = doc.paths['/wiki/{path}'];
    expect(item).toBeDefined();
    expect(item!['x-naftiko-forward']).toBe('wiki-api');
    expect(Object.keys(item!).filter((k) => /^(get|post|put|patch|delete)$/.test(k))).toEqual([
      'get',
      'post',
      'put',
      'patch',
      'delete',
    ]);
    const [param] = item!.parameters as { name: string; in: string; required: boolean }[];
    expect(param).toMatchObject({ name: 'path', in: 'path', required: true });
    expect(doc.paths['/wiki/{{path}}']).toBeUndefined();
  });
});

/** A REST adapter forwarding /wiki/<form> to a consumes block with valued parameters. */
function wikiApp(up: Upstream, form: '{{path}}' | '{path}', trusted = ['X-Trace']) {
  return restApp(
    yaml`
      naftiko: 1.0.0-alpha2
      info:
        label: Wiki proxy
        description: Forwards a wiki API.
      capability:
        consumes:
          - type: http
            namespace: wiki-api
            baseUri: http://wiki.invalid/api
            inputParameters:
              - name: Wiki-Version
                in: header
                value: '2024-01-01'
              - name: tenant
                in: query
                value: acme
        exposes:
          - type: rest
            namespace: wiki-rest
            port: 8080
            resources:
              - path: /wiki/${form}
                name: wiki
                forward:
                  targetNamespace: wiki-api
                  trustedHeaders: [${trusted.join(', ')}]
    `,
    { upstreams: { 'wiki-api': `${up.url}/api` } },
  );
}

// ---------- every forward resource of the corpus, against a recording upstream
const CORPUS = path.resolve(REPO_ROOT, '../shared/corpus/files');

interface ForwardCase {
  readonly file: string;
  readonly text: string;
  readonly resourcePath: string;
  readonly target: string;
  readonly basePath: string;
  readonly valued: { name: string; in: string; value: string }[];
}

function corpusForwards(): ForwardCase[] {
  if (!existsSync(CORPUS)) return [];
  const cases: ForwardCase[] = [];
  for (const dir of readdirSync(CORPUS)) {
    for (const name of readdirSync(path.join(CORPUS, dir))) {
      const file = path.join(CORPUS, dir, name);
      const text = readFileSync(file, 'utf8');
      if (!/^\s*forward:/m.test(text)) continue;
      const doc = jsYaml.load(text) as {
        capability?: {
          exposes?: {
            type: string;
            resources?: { path: string; forward?: { targetNamespace: string } }[];
          }[];
          consumes?: {
            namespace: string;
            baseUri: string;
            inputParameters?: { name: string; in: string; value?: string }[];
          }[];
        };
      };
      for (const adapter of doc.capability?.exposes ?? []) {
        for (const resource of adapter.resources ?? []) {
          if (resource.forward === undefined) continue;
          const consumes = doc.capability?.consumes?.find(
            (c) => c.namespace === resource.forward!.targetNamespace,
          );
          cases.push({
            file: path.relative(CORPUS, file),
            text,
            resourcePath: resource.path,
            target: resource.forward.targetNamespace,
            basePath: new URL(consumes!.baseUri).pathname.replace(/\/$/, ''),
            valued: (consumes?.inputParameters ?? []).filter(
              (p): p is { name: string; in: string; value: string } => typeof p.value === 'string',
            ),
          });
        }
      }
    }
  }
  return cases;
}

const forwards = corpusForwards();

describe.skipIf(forwards.length === 0)('every forward resource of the corpus', () => {
  it('finds the six forward resources', () => {
    expect(forwards.length).toBeGreaterThanOrEqual(6);
  });

  for (const c of forwards) {
    it(`${c.file}: ${c.resourcePath} → ${c.target}`, async () => {
      const up = await upstream(echo);
      // The upstream keeps the base URI's own path, so the expected upstream path is visible.
      const { app } = await restApp(c.text, {
        upstreams: { [c.target]: `${up.url}${c.basePath}` },
      });
      const base = await listening(app);
      const prefix = c.resourcePath.replace(/\/(\{\{\s*[^{}\s]+\s*\}\}|\{[^{}\s]+\})\/?$/, '');
      const get = await fetch(`${base}${prefix}/pages/p-1/blocks?limit=2`);
      expect(get.status).toBe(200);
      expect(up.last().url).toBe(`${c.basePath}/pages/p-1/blocks?limit=2`);
      const post = await fetch(`${base}${prefix}/pages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"title":"x"}',
      });
      expect(post.status).toBe(200);
      const req = up.last();
      expect(req.method).toBe('POST');
      expect(req.path).toBe(`${c.basePath}/pages`);
      expect(req.body.toString()).toBe('{"title":"x"}');
      expect(req.headers['content-type']).toBe('application/json');
      for (const p of c.valued.filter((v) => v.in === 'header')) {
        expect(req.headers[p.name.toLowerCase()], p.name).toBe(p.value);
      }
    });
  }
});
