import { describe, expect, it } from 'vitest';
import { briefs, yaml } from '../helpers/validate.js';

describe('lint rules (intent of the official Spectral rules)', () => {
  it('descriptions: consumes, REST resources, aggregate functions; no active content', async () => {
    const doc = yaml`
      naftiko: "1.0.0-alpha2"
      info:
        label: Demo
        description: "Click <script>alert(1)</script>"
      capability:
        consumes:
          - type: http
            namespace: crm
            baseUri: https://api.example.org
        exposes:
          - type: rest
            namespace: crm-rest
            port: 8080
            resources:
              - path: /items
                operations:
                  - method: GET
                    description: "runs eval(payload)"
                    ref: fns.f
        aggregates:
          - label: Functions
            namespace: fns
            functions:
              - name: f
                description: " "
                outputParameters: [{ name: x, type: string, value: "1" }]
    `;
    expect(await briefs(doc)).toEqual([
      '4:16 error description-active-content',
      '18:28 error description-active-content',
      '8:18 warning consumes-description',
      '15:17 warning rest-resource-description',
      '25:24 warning aggregate-function-description',
      '11:13 warning adapter-unauthenticated',
    ]);
  });

  it('description-active-content ignores data sent upstream', async () => {
    const doc = yaml`
      naftiko: "1.0.0-alpha2"
      capability:
        consumes:
          - type: http
            namespace: cms
            description: CMS
            baseUri: https://api.example.org
            resources:
              - name: pages
                path: /pages
                operations:
                  - name: create
                    method: POST
                    body: { type: json, data: { description: "<script>ok()</script>" } }
    `;
    expect(await briefs(doc)).toEqual([]);
  });

  it('paths, addresses and stdio authentication', async () => {
    const doc = yaml`
      naftiko: "1.0.0-alpha2"
      capability:
        consumes:
          - type: http
            namespace: crm
            description: CRM
            baseUri: https://api.example.org
            resources:
              - name: search
                path: /search?q=all
                operations:
                  - name: search
                    method: GET
        exposes:
          - type: rest
            namespace: crm-rest
            address: api.example.com
            port: 8080
            resources:
              - path: /items/
                description: Items
                operations:
                  - method: GET
                    call: crm.search
          - type: mcp
            namespace: crm-mcp
            transport: stdio
            authentication: { type: bearer, token: abc }
            tools:
              - name: t
                description: d
                call: crm.search
          - type: control
            address: 0.0.0.0
            port: 9999
    `;
    expect(await briefs(doc)).toEqual([
      '10:17 warning path-query',
      '20:17 warning rest-path-trailing-slash',
      '17:16 warning address-example',
      '34:16 warning control-address',
      '28:7 warning mcp-stdio-authentication',
      '17:16 warning adapter-unauthenticated',
      '34:16 warning adapter-unauthenticated',
    ]);
  });

  it('oauth2: https authorization server (error), https resource and scopes (warnings)', async () => {
    const doc = yaml`
      naftiko: "1.0.0-alpha2"
      capability:
        exposes:
          - type: mcp
            namespace: a
            port: 9090
            authentication:
              type: oauth2
              authorizationServerUri: http://auth.example.org
              resource: http://mcp.example.org
            tools:
              - name: t
                description: d
                outputParameters: [{ name: x, type: string, value: "1" }]
    `;
    expect(await briefs(doc)).toEqual([
      '9:33 error oauth2-https',
      '10:19 warning oauth2-resource',
      '8:15 warning oauth2-resource',
    ]);
  });

  it('aggregate-semantics: hints and methods that contradict the function', async () => {
    const doc = yaml`
      naftiko: "1.0.0-alpha2"
      capability:
        exposes:
          - type: mcp
            namespace: a
            port: 9090
            tools:
              - ref: fns.read
                hints: { readOnly: false, destructive: true, idempotent: false }
          - type: rest
            namespace: b
            port: 8080
            resources:
              - path: /read
                description: Read
                operations:
                  - method: POST
                    ref: fns.read
        aggregates:
          - label: Functions
            namespace: fns
            functions:
              - name: read
                description: Reads
                semantics: { safe: true, idempotent: true }
                outputParameters: [{ name: x, type: string, value: "1" }]
    `;
    expect(await briefs(doc)).toEqual([
      '10:13 warning adapter-unauthenticated',
      '9:30 warning aggregate-semantics',
      '9:50 warning aggregate-semantics',
      '9:68 warning aggregate-semantics',
      '17:23 warning aggregate-semantics',
      '17:23 warning aggregate-semantics',
    ]);
  });

  it('script-defaults: a script step needs a location and a language, or control defaults', async () => {
    const step = yaml`
      naftiko: "1.0.0-alpha2"
      capability:
        exposes:
          - type: mcp
            namespace: a
            port: 9090
            tools:
              - name: t
                description: d
                steps:
                  - type: script
                    name: run
                    file: run.js
    `;
    expect(await briefs(step)).toEqual([
      '11:15 error script-defaults',
      '11:15 error script-defaults',
    ]);
    const withDefaults = `${step}
    - type: control
      port: 9999
      management:
        scripting:
          defaultLocation: file:///scripts
          defaultLanguage: javascript
`;
    expect(await briefs(withDefaults)).toEqual([]);
  });
});
