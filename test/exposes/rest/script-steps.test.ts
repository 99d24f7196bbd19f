/**
 * Script steps end to end (contract §9): a REST operation whose steps call a real upstream, run
 * a script over the answer and map the script's result; a looping script answers a problem and
 * leaves the adapter serving; and the official script-step example from the corpus, pointed at
 * a local upstream, runs its JavaScript tool and refuses its Python one.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NaftikoError } from '../../../src/errors.js';
import { createRuntime } from '../../../src/engine/runtime.js';
import { createValidator } from '../../../src/spec/validate.js';
import type { ExposesMcp } from '../../../src/spec/types.js';
import { CORPUS_DIR } from '../../helpers/corpus.js';
import { body, closeRestApps, restApp, upstream, yaml } from '../../helpers/rest-app.js';
import type { Handler } from '../../helpers/rest-app.js';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'naftiko-script-e2e-'));
  writeFileSync(
    path.join(dir, 'summarise.js'),
    `var ship = context['get-ship'];
     result = {
       label: ship.name + ' (' + ship.flag + ')',
       heavy: ship.tonnage > context.threshold,
       kilotonnes: Math.round(ship.tonnage / 1000),
     };`,
  );
  writeFileSync(path.join(dir, 'loop.js'), 'while (true) {}');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(closeRestApps);

const registry: Handler = (req, res) => {
  res.setHeader('content-type', 'application/json');
  if (req.path === '/ships/9811000') {
    res.end(JSON.stringify({ imo: '9811000', name: 'Ever Given', flag: 'PA', tonnage: 220940 }));
  } else {
    res.statusCode = 404;
    res.end('{"error":"no such ship"}');
  }
};

async function fleet() {
  const up = await upstream(registry);
  const location = `file://${dir}`;
  return restApp(
    yaml`
      naftiko: 1.0.0-alpha2
      info:
        label: Fleet
        description: Ship summaries computed by a script.
      capability:
        consumes:
          - type: http
            namespace: registry
            baseUri: http://registry.invalid
            resources:
              - name: ship
                path: /ships/{{imo}}
                operations:
                  - name: get-ship
                    method: GET
                    inputParameters:
                      - name: imo
                        in: path
        exposes:
          - type: control
            port: 9191
            management:
              scripting:
                defaultLanguage: javascript
                defaultLocation: '${location}'
                timeout: 200
                statementLimit: 1000000000
          - type: rest
            port: 8080
            namespace: fleet
            resources:
              - path: /ships/{{imo}}/summary
                name: summary
                description: A ship's summary.
                inputParameters:
                  - name: imo
                    in: path
                    type: string
                    description: IMO number.
                operations:
                  - name: summarise
                    method: GET
                    steps:
                      - type: call
                        name: get-ship
                        call: registry.get-ship
                        with:
                          imo: '{{imo}}'
                      - type: script
                        name: summarise
                        file: summarise.js
                        with:
                          threshold: 100000
                    mappings:
                      - targetName: label
                        value: $.summarise.label
                      - targetName: heavy
                        value: $.summarise.heavy
                      - targetName: kilotonnes
                        value: $.summarise.kilotonnes
                    outputParameters:
                      - name: label
                        type: string
                      - name: heavy
                        type: boolean
                      - name: kilotonnes
                        type: number
              - path: /spin
                name: spin
                description: A script that never ends.
                operations:
                  - name: spin
                    method: GET
                    steps:
                      - type: script
                        name: spin
                        file: loop.js
    `,
    { upstreams: { registry: up } },
  );
}

describe('script steps over REST', () => {
  it('answers with what the script computed from the upstream body', async () => {
    const { app } = await fleet();
    const res = await app.inject({ method: 'GET', url: '/ships/9811000/summary' });
    expect(res.statusCode).toBe(200);
    expect(body(res)).toEqual({ label: 'Ever Given (PA)', heavy: true, kilotonnes: 221 });
  });

  it('passes an upstream error through without running the script', async () => {
    const { app } = await fleet();
    const res = await app.inject({ method: 'GET', url: '/ships/1/summary' });
    expect(res.statusCode).toBe(404);
  });

  it('stops a looping script with a problem and keeps serving', async () => {
    const { app } = await fleet();
    const started = performance.now();
    const res = await app.inject({ method: 'GET', url: '/spin' });
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(res.statusCode).toBe(500);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(body(res).code).toBe('SCRIPT_FAILED');
    expect(body(res).detail).toBe(
      'script step "spin" (loop.js) ran longer than its 200 ms timeout',
    );
    const next = await app.inject({ method: 'GET', url: '/ships/9811000/summary' });
    expect(next.statusCode).toBe(200);
  });
});

describe('the official script-step example', () => {
  const example = path.join(
    CORPUS_DIR,
    'files/naftiko__framework/e1b0a31__src__main__resources__schemas__examples__script-step.yaml',
  );

  it.skipIf(!existsSync(example))(
    'runs its JavaScript tool and refuses its Python one',
    async () => {
      const folder = path.join(dir, 'corpus');
      mkdirSync(path.join(folder, 'scripts', 'lib'), { recursive: true });
      // What the example's scripts do, written here: keep the members flagged active.
      writeFileSync(
        path.join(folder, 'scripts', 'lib', 'array-utils.js'),
        'function pick(list, fields) { return list.map(function (x) { var o = {}; fields.forEach(function (f) { o[f] = x[f]; }); return o; }); }',
      );
      writeFileSync(
        path.join(folder, 'scripts', 'filter-active.js'),
        "result = pick(context['list-members'].filter(function (m) { return !m.suspended; }), ['login', 'id']);",
      );
      // Read in place; only its absolute script folder is pointed at the one written here.
      const text = readFileSync(example, 'utf8').replaceAll(
        'file:///app/capabilities/scripts',
        `file://${folder}/scripts`,
      );
      const file = path.join(folder, 'script-step.yaml');
      writeFileSync(file, text);

      const result = await createValidator().validateText(file, text);
      expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      const warnings = result.diagnostics.filter((d) => d.rule === 'script-language');
      expect(warnings.map((d) => d.message)).toEqual([
        'script step "analyze" is in python: this engine runs JavaScript script steps only and refuses it at load',
      ]);
      const capability = result.capability;
      if (capability === undefined) throw new Error('the example does not load');

      const github = await upstream((req, res) => {
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify(
            req.path === '/orgs/naftiko/members'
              ? [
                  { login: 'ada', id: 1, suspended: false },
                  { login: 'bob', id: 2, suspended: true },
                  { login: 'cy', id: 3 },
                ]
              : [],
          ),
        );
      });
      const runtime = createRuntime(capability, {
        env: {},
        baseUris: new Map([['github', github.url]]),
      });
      try {
        const mcp = capability.doc.capability?.exposes?.find((a) => a.type === 'mcp') as ExposesMcp;
        const [members, readings] = mcp.tools;
        const outcome = await runtime.invocation(members!, mcp.namespace).run({ org: 'naftiko' });
        expect(outcome.kind).toBe('value');
        expect(JSON.stringify(outcome)).toContain('"login":"ada"');
        expect(JSON.stringify(outcome)).not.toContain('"login":"bob"');
        expect(github.last().path).toBe('/orgs/naftiko/members');
        let refusal: unknown;
        try {
          runtime.invocation(readings!, mcp.namespace);
        } catch (err) {
          refusal = err;
        }
        expect(refusal).toBeInstanceOf(NaftikoError);
        expect((refusal as NaftikoError).code).toBe('NOT_IMPLEMENTED');
        expect((refusal as NaftikoError).message).toContain(
          'script step "analyze": language python',
        );
      } finally {
        await runtime.close();
      }
    },
  );
});
