import { describe, expect, it } from 'vitest';
import { briefs, yaml } from '../helpers/validate.js';

describe('namespace, port, route and tool-name rules', () => {
  it('namespace-duplicate: across consumes, exposes, binds and aggregates', async () => {
    const doc = yaml`
      naftiko: "1.0.0-alpha2"
      binds:
        - namespace: crm
          keys: { TOKEN: TOKEN }
      capability:
        consumes:
          - type: http
            namespace: crm
            description: CRM API
            baseUri: https://api.example.org
        exposes:
          - type: mcp
            namespace: crm
            port: 9090
            tools:
              - name: t
                description: d
                outputParameters: [{ name: x, type: string, value: "1" }]
    `;
    expect(await briefs(doc)).toEqual([
      '8:18 error namespace-duplicate',
      '13:18 error namespace-duplicate',
    ]);
  });

  it('port-conflict: same port on overlapping addresses; distinct addresses are fine', async () => {
    const doc = yaml`
      naftiko: "1.0.0-alpha2"
      capability:
        exposes:
          - type: rest
            namespace: a
            port: 8080
          - type: mcp
            namespace: b
            port: 8080
            tools:
              - name: t
                description: d
                outputParameters: [{ name: x, type: string, value: "1" }]
          - type: rest
            namespace: c
            address: 10.0.0.1
            port: 9000
          - type: rest
            namespace: d
            address: 10.0.0.2
            port: 9000
    `;
    expect(await briefs(doc)).toEqual([
      '9:13 error port-conflict',
      '4:13 warning adapter-unauthenticated',
      '16:16 warning adapter-unauthenticated',
      '20:16 warning adapter-unauthenticated',
    ]);
  });

  it('control-port: one control adapter, on a port of its own', async () => {
    const doc = yaml`
      naftiko: "1.0.0-alpha2"
      capability:
        exposes:
          - type: rest
            namespace: a
            port: 8080
          - type: control
            port: 8080
          - type: control
            port: 9999
    `;
    expect(await briefs(doc)).toEqual([
      '9:13 error control-port',
      '8:13 error control-port',
      '4:13 warning adapter-unauthenticated',
    ]);
  });

  it('rest-route-duplicate: {x} and {{y}} placeholders give the same route', async () => {
    const doc = yaml`
      naftiko: "1.0.0-alpha2"
      capability:
        exposes:
          - type: rest
            namespace: a
            port: 8080
            resources:
              - path: /items/{id}
                description: Items
                operations:
                  - method: GET
                    outputParameters: [{ type: string, value: "1" }]
              - path: /items/{{itemId}}
                description: Items again
                operations:
                  - method: GET
                    outputParameters: [{ type: string, value: "2" }]
                  - method: DELETE
                    outputParameters: [{ type: string, value: "3" }]
    `;
    expect(await briefs(doc)).toEqual([
      '16:23 error rest-route-duplicate',
      '4:13 warning adapter-unauthenticated',
    ]);
  });

  it('rest-route-duplicate: a missing leading / or a trailing / is the same route', async () => {
    const doc = yaml`
      naftiko: "1.0.0-alpha2"
      capability:
        exposes:
          - type: rest
            namespace: a
            port: 8080
            resources:
              - path: items
                description: Items
                operations: [{ method: GET, outputParameters: [{ type: string, value: "1" }] }]
              - path: /items
                description: Items
                operations: [{ method: GET, outputParameters: [{ type: string, value: "2" }] }]
    `;
    expect((await briefs(doc)).filter((b) => b.includes('route'))).toEqual([
      '13:34 error rest-route-duplicate',
    ]);
  });

  it('rest-path-unroutable: "*", "(" or ")" outside placeholders, at the path', async () => {
    const doc = yaml`
      naftiko: "1.0.0-alpha2"
      capability:
        exposes:
          - type: rest
            namespace: a
            port: 8080
            resources:
              - path: /files/*/raw
                description: Files
                operations: [{ method: GET, outputParameters: [{ type: string, value: "1" }] }]
              - path: /items/{id}(x)
                description: Items
                operations: [{ method: GET, outputParameters: [{ type: string, value: "2" }] }]
              - path: /ok/{{a-b}}/v1:x
                description: Fine
                operations: [{ method: GET, outputParameters: [{ type: string, value: "3" }] }]
    `;
    expect((await briefs(doc)).filter((b) => b.includes('unroutable'))).toEqual([
      '8:17 error rest-path-unroutable',
      '11:17 error rest-path-unroutable',
    ]);
  });

  // Found by the loader fuzzer: fastify threw "Method … already declared" when building the app.
  it('rest-route-duplicate: a forward resource claims every method of its path', async () => {
    const doc = yaml`
      naftiko: "1.0.0-alpha2"
      capability:
        consumes:
          - type: http
            namespace: up
            description: Upstream
            baseUri: https://api.example.org
        exposes:
          - type: rest
            namespace: a
            port: 8080
            resources:
              - path: /wiki/{{path}}
                description: Proxy
                forward: { targetNamespace: up }
              - path: /wiki/{rest}
                description: Proxy again
                forward: { targetNamespace: up }
              - path: /wiki/{id}
                description: An operation on the proxied path
                operations: [{ method: POST, outputParameters: [{ type: string, value: "1" }] }]
              - path: /pages
                description: Pages
                operations: [{ method: PUT, outputParameters: [{ type: string, value: "2" }] }]
              - path: /pages?version=2
                description: A forward over an operation's path
                forward: { targetNamespace: up }
    `;
    expect((await briefs(doc)).filter((b) => b.includes('route'))).toEqual([
      '18:20 error rest-route-duplicate',
      '21:34 error rest-route-duplicate',
      '27:20 error rest-route-duplicate',
    ]);
  });

  it('mcp-tool-name: duplicates and names over 64 characters', async () => {
    const long = 'x'.repeat(65);
    const doc = yaml`
      naftiko: "1.0.0-alpha2"
      capability:
        exposes:
          - type: mcp
            namespace: a
            port: 9090
            tools:
              - name: same
                description: d
                outputParameters: [{ name: x, type: string, value: "1" }]
              - name: same
                description: d
                outputParameters: [{ name: x, type: string, value: "1" }]
              - name: ${long}
                description: d
                outputParameters: [{ name: x, type: string, value: "1" }]
    `;
    expect(await briefs(doc)).toEqual(['11:17 error mcp-tool-name', '14:17 error mcp-tool-name']);
  });
});
