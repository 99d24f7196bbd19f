/**
 * MCP tool definitions (contract §8): `title` from `label`, declared input parameters (required
 * unless `required: false`), derived inputs without a type, and `ref` tools that take their name,
 * description and annotation defaults from the aggregate function's `semantics`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { annotationsOf, compileTools } from '../../../src/exposes/mcp/tool-definitions.js';
import { closeMcp, load, mcpRuntime, yaml } from './helpers/mcp-client.js';

afterEach(closeMcp);

const CAPABILITY = yaml`
  naftiko: 1.0.0-alpha2
  info:
    label: Fleet
    description: Ships.
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
                    required: true
                  - name: fields
                    in: query
    aggregates:
      - label: Fleet
        namespace: fleet
        functions:
          - name: ship-name
            description: The name of a ship.
            semantics:
              safe: true
              idempotent: true
            inputParameters:
              - name: imo
                type: string
                description: IMO number.
            call: registry.get-ship
            with:
              imo: fleet.imo
    exposes:
      - type: mcp
        namespace: fleet-mcp
        port: 9090
        tools:
          - name: get-ship
            label: Get a ship
            description: One ship.
            inputParameters:
              - name: imo
                type: string
                description: IMO number.
              - name: fields
                type: array
                description: Fields to return.
                required: false
            call: registry.get-ship
            with:
              imo: tools.imo
              fields: tools.fields
          - name: raw-ship
            description: One ship, inputs derived.
            call: registry.get-ship
            with:
              imo: tools.imo
              fields: tools.fields
          - ref: fleet.ship-name
          - ref: fleet.ship-name
            name: ship-name-open
            description: Same, open world.
            hints:
              openWorld: true
              idempotent: false
`;

describe('MCP tool definitions', () => {
  it('derives names, titles, schemas and annotations', async () => {
    const { adapter, runtime } = await mcpRuntime(await load({ text: CAPABILITY }));
    const [get, raw, ref, refOpen] = compileTools(adapter, runtime).map((t) => t.definition);
    expect(get).toEqual({
      name: 'get-ship',
      title: 'Get a ship',
      description: 'One ship.',
      inputSchema: {
        type: 'object',
        properties: {
          imo: { type: 'string', description: 'IMO number.' },
          fields: { type: 'array', description: 'Fields to return.' },
        },
        required: ['imo'],
      },
    });
    // Consumed parameters without a type give inputs without a type constraint.
    expect(raw?.inputSchema).toEqual({
      type: 'object',
      properties: { imo: {}, fields: {} },
      required: ['imo'],
    });
    expect(ref).toEqual({
      name: 'ship-name',
      description: 'The name of a ship.',
      inputSchema: {
        type: 'object',
        properties: { imo: { type: 'string', description: 'IMO number.' } },
        required: ['imo'],
      },
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
    });
    expect(refOpen).toMatchObject({
      name: 'ship-name-open',
      description: 'Same, open world.',
      annotations: {
        readOnlyHint: true,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: true,
      },
    });
  });

  it('maps every hint and leaves out annotations when there are none', () => {
    expect(
      annotationsOf({ readOnly: false, destructive: true, idempotent: false, openWorld: false }),
    ).toEqual({
      readOnlyHint: false,
      destructiveHint: true,
      idempotentHint: false,
      openWorldHint: false,
    });
    expect(annotationsOf(undefined)).toBeUndefined();
  });
});
