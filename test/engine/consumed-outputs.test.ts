/**
 * Consumed operations' own `outputParameters` (engine/consumed-outputs.ts): the projection
 * itself, then through orchestrated REST operations against a real upstream: a lookup matching a
 * name only the consumed output parameters create (the tutorial's step 11 pattern), mappings and
 * templates reading a projected object, and a simple-mode call that keeps the raw body.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { compileConsumedOutputs } from '../../src/engine/consumed-outputs.js';
import { body, closeRestApps, restApp, upstream, yaml } from '../helpers/rest-app.js';
import type { Handler } from '../helpers/rest-app.js';

afterEach(closeRestApps);

describe('compileConsumedOutputs', () => {
  it('compiles nothing when the operation declares no outputParameters', () => {
    expect(compileConsumedOutputs([])).toBeUndefined();
  });

  it('adds each named value to every element of an array response, keeping the element', () => {
    const project = compileConsumedOutputs([
      { name: 'imo-number', type: 'string', value: '$.imo_number' },
      { name: 'length', type: 'number', value: '$.dimensions.length' },
    ]);
    const ships = [
      { imo_number: 'IMO-1', vessel_name: 'A', dimensions: { length: 229 } },
      { imo_number: 'IMO-2', vessel_name: 'B' },
      'not an object',
    ];
    expect(project?.(ships)).toEqual([
      {
        imo_number: 'IMO-1',
        vessel_name: 'A',
        dimensions: { length: 229 },
        'imo-number': 'IMO-1',
        length: 229,
      },
      { imo_number: 'IMO-2', vessel_name: 'B', 'imo-number': 'IMO-2', length: null },
      { 'imo-number': null, length: null },
    ]);
    // The upstream's decoded body is not modified in place.
    expect(ships[0]).not.toHaveProperty('imo-number');
  });

  it('projects an object response to exactly the named values, with their upstream types', () => {
    const project = compileConsumedOutputs([
      { name: 'id', type: 'string', value: '$.data.id' },
      { name: 'count', type: 'number', value: '$.data.count' },
      { name: 'tags', type: 'array', value: '$.data.tags[*].name' },
      { name: 'absent', type: 'string', value: '$.nowhere' },
    ]);
    const response = { data: { id: 7, count: '42', tags: [{ name: 'a' }, { name: 'b' }] }, x: 1 };
    expect(project?.(response)).toEqual({ id: 7, count: '42', tags: ['a', 'b'], absent: null });
  });

  it('leaves a missing body alone', () => {
    const project = compileConsumedOutputs([{ name: 'id', type: 'string', value: '$.id' }]);
    expect(project?.(undefined)).toBeUndefined();
    expect(project?.(null)).toBeNull();
  });
});

/** A registry whose field names the capability renames through consumed outputParameters. */
const registry: Handler = (req, res) => {
  res.setHeader('content-type', 'application/json');
  if (req.path === '/ships') {
    res.end(
      JSON.stringify([
        { imo_number: 'IMO-1', vessel_name: 'Northern Star', flag_code: 'NO' },
        { imo_number: 'IMO-2', vessel_name: 'Pacific Dawn', flag_code: 'SG' },
      ]),
    );
  } else if (req.path === '/voyages/V-1') {
    res.end(JSON.stringify({ voyage: { id: 'V-1', ship: 'IMO-2' }, status: 'planned' }));
  } else if (req.path === '/flags/SG') {
    res.end(JSON.stringify({ code: 'SG', country: 'Singapore' }));
  } else {
    res.statusCode = 404;
    res.end(JSON.stringify({ error: `nothing at ${req.path}` }));
  }
};

const CAPABILITY = yaml`
  naftiko: 1.0.0-alpha2
  info:
    label: Voyages
    description: Voyages and their ships.
  capability:
    consumes:
      - type: http
        namespace: registry
        baseUri: http://registry.invalid
        resources:
          - name: ships
            path: /ships
            operations:
              - name: list-ships
                method: GET
                outputParameters:
                  - name: imo-number
                    type: string
                    value: $.imo_number
          - name: voyage
            path: /voyages/{{id}}
            operations:
              - name: get-voyage
                method: GET
                inputParameters:
                  - name: id
                    in: path
                outputParameters:
                  - name: ship-imo
                    type: string
                    value: $.voyage.ship
                  - name: state
                    type: string
                    value: $.status
          - name: flag
            path: /flags/{{code}}
            operations:
              - name: get-flag
                method: GET
                inputParameters:
                  - name: code
                    in: path
    exposes:
      - type: rest
        namespace: voyages-api
        port: 8080
        resources:
          - path: /voyages/{id}/ship
            name: voyage-ship
            operations:
              - method: GET
                name: voyage-ship
                inputParameters:
                  - name: id
                    in: path
                    type: string
                    description: Voyage id.
                steps:
                  - type: call
                    name: get-voyage
                    call: registry.get-voyage
                    with:
                      id: rest.id
                  - type: call
                    name: list-ships
                    call: registry.list-ships
                  - type: lookup
                    name: resolve-ship
                    index: list-ships
                    match: imo-number
                    lookupValue: $.get-voyage.ship-imo
                    outputParameters:
                      - vessel_name
                      - flag_code
                  - type: call
                    name: get-flag
                    call: registry.get-flag
                    with:
                      code: '{{resolve-ship.flag_code}}'
                mappings:
                  - targetName: state
                    value: $.get-voyage.state
                  - targetName: rawStatus
                    value: $.get-voyage.status
                  - targetName: ship
                    value: $.resolve-ship.vessel_name
                  - targetName: country
                    value: $.get-flag.country
                outputParameters:
                  - name: state
                    type: string
                  - name: rawStatus
                    type: string
                  - name: ship
                    type: string
                  - name: country
                    type: string
          - path: /ships
            name: ships
            operations:
              - method: GET
                name: list-ships
                call: registry.list-ships
`;

describe('consumed outputParameters in orchestrated steps', () => {
  it('a lookup matches a field that only the consumed outputParameters create', async () => {
    const up = await upstream(registry);
    const { app } = await restApp(CAPABILITY, { upstreams: { registry: up } });
    const res = await app.inject({ method: 'GET', url: '/voyages/V-1/ship' });
    expect(res.statusCode).toBe(200);
    expect(body(res)).toEqual({
      // An object response becomes the projection: the declared names, not the raw fields.
      state: 'planned',
      rawStatus: null,
      ship: 'Pacific Dawn',
      country: 'Singapore',
    });
    expect(up.requests.map((r) => r.path)).toEqual(['/voyages/V-1', '/ships', '/flags/SG']);
  });

  it('a simple-mode call is not shaped by them: the upstream body passes through', async () => {
    const up = await upstream(registry);
    const { app } = await restApp(CAPABILITY, { upstreams: { registry: up } });
    const res = await app.inject({ method: 'GET', url: '/ships' });
    expect(res.statusCode).toBe(200);
    expect(body<unknown[]>(res)[0]).toEqual({
      imo_number: 'IMO-1',
      vessel_name: 'Northern Star',
      flag_code: 'NO',
    });
  });
});
