/**
 * Orchestrated operations and aggregates over REST (contract §9): two `call` steps, a `lookup`
 * and `mappings` producing named outputs; an operation whose `ref` names an aggregate function.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { body, closeRestApps, restApp, upstream, yaml } from '../../helpers/rest-app.js';
import type { Handler, Upstream } from '../../helpers/rest-app.js';

afterEach(closeRestApps);

/** A registry of ships and flags; /ships/missing is a 404. */
const registry: Handler = (req, res) => {
  res.setHeader('content-type', 'application/json');
  if (req.path === '/ships/9811000') {
    res.end(JSON.stringify({ imo: '9811000', name: 'Ever Given', flag: 'PA', tonnage: 220940 }));
  } else if (req.path === '/flags') {
    res.end(
      JSON.stringify([
        { code: 'LR', country: 'Liberia', registry: 'Monrovia' },
        { code: 'PA', country: 'Panama', registry: 'Panama City' },
      ]),
    );
  } else {
    res.statusCode = 404;
    res.end(JSON.stringify({ error: `nothing at ${req.path}` }));
  }
};

function fleet(up: Upstream) {
  return restApp(
    yaml`
      naftiko: 1.0.0-alpha2
      info:
        label: Fleet
        description: Ship summaries.
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
              - name: flags
                path: /flags
                operations:
                  - name: list-flags
                    method: GET
        aggregates:
          - label: Fleet
            namespace: fleet
            functions:
              - name: ship-name
                description: The name of a ship.
                semantics:
                  safe: true
                inputParameters:
                  - name: imo
                    type: string
                    description: IMO number.
                call: registry.get-ship
                with:
                  imo: '{{imo}}'
                outputParameters:
                  - type: object
                    properties:
                      name:
                        type: string
                        mapping: $.name
                      tonnage:
                        type: number
                        mapping: $.tonnage
              - name: about
                description: A canned answer.
                inputParameters:
                  - name: imo
                    type: string
                    description: IMO number.
                outputParameters:
                  - name: imo
                    type: string
                    value: '{{imo}}'
                  - name: source
                    type: string
                    value: fleet
        exposes:
          - type: rest
            namespace: fleet-api
            port: 8080
            resources:
              - path: /ships/{imo}/summary
                name: summary
                operations:
                  - method: GET
                    name: ship-summary
                    inputParameters:
                      - name: imo
                        in: path
                        type: string
                        pattern: '^[0-9]{7}$'
                        description: IMO number.
                    steps:
                      - type: call
                        name: ship
                        call: registry.get-ship
                        with:
                          imo: rest.imo
                      - type: call
                        name: flags
                        call: registry.list-flags
                      - type: lookup
                        name: flag
                        index: flags
                        match: code
                        lookupValue: '{{ship.flag}}'
                        outputParameters:
                          - country
                          - registry
                    mappings:
                      - targetName: name
                        value: $.ship.name
                      - targetName: country
                        value: $.flag.country
                      - targetName: port
                        value: $.flag.registry
                    outputParameters:
                      - name: name
                        type: string
                      - name: country
                        type: string
                      - name: port
                        type: string
              - path: /ships/{imo}/name
                name: ship-name
                operations:
                  - method: GET
                    name: ship-name
                    ref: fleet.ship-name
              - path: /ships/{imo}/about
                name: about
                operations:
                  - method: GET
                    name: about
                    ref: fleet.about
    `,
    { upstreams: { registry: up } },
  );
}

describe('orchestrated steps', () => {
  it('runs two calls and a lookup, and builds named outputs from the mappings', async () => {
    const up = await upstream(registry);
    const { app } = await fleet(up);
    const res = await app.inject({ method: 'GET', url: '/ships/9811000/summary' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(body(res)).toEqual({ name: 'Ever Given', country: 'Panama', port: 'Panama City' });
    expect(up.requests.map((r) => r.path)).toEqual(['/ships/9811000', '/flags']);
  });

  it('stops at a failing step and keeps its status and body', async () => {
    const up = await upstream(registry);
    const { app } = await fleet(up);
    const res = await app.inject({ method: 'GET', url: '/ships/1234567/summary' });
    expect(res.statusCode).toBe(404);
    expect(body(res)).toEqual({ error: 'nothing at /ships/1234567' });
    expect(up.requests.map((r) => r.path)).toEqual(['/ships/1234567']);
  });

  it('checks the declared inputs before the first step', async () => {
    const up = await upstream(registry);
    const { app } = await fleet(up);
    const res = await app.inject({ method: 'GET', url: '/ships/EVER/summary' });
    expect(res.statusCode).toBe(400);
    expect(body(res)).toMatchObject({
      code: 'INPUT_INVALID',
      errors: [{ name: 'imo', in: 'path', message: expect.stringContaining('^[0-9]{7}$') }],
    });
    expect(up.requests).toHaveLength(0);
  });
});

describe('aggregate functions', () => {
  it('an operation with ref runs the function: its call, with and outputs', async () => {
    const up = await upstream(registry);
    const { app } = await fleet(up);
    const res = await app.inject({ method: 'GET', url: '/ships/9811000/name' });
    expect(res.statusCode).toBe(200);
    expect(body(res)).toEqual({ name: 'Ever Given', tonnage: 220940 });
    expect(up.last().path).toBe('/ships/9811000');
  });

  it('keeps an upstream error reached through a function', async () => {
    const up = await upstream(registry);
    const { app } = await fleet(up);
    const res = await app.inject({ method: 'GET', url: '/ships/0000000/name' });
    expect(res.statusCode).toBe(404);
    expect(body(res)).toEqual({ error: 'nothing at /ships/0000000' });
  });

  it('a mock function answers its named outputs without calling anything', async () => {
    const up = await upstream(registry);
    const { app } = await fleet(up);
    const res = await app.inject({ method: 'GET', url: '/ships/9811000/about' });
    expect(res.statusCode).toBe(200);
    expect(body(res)).toEqual({ imo: '9811000', source: 'fleet' });
    expect(up.requests).toHaveLength(0);
  });
});
