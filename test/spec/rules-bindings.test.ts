import { describe, expect, it } from 'vitest';
import { briefs, diagnose, yaml } from '../helpers/validate.js';

describe('template and with rules', () => {
  it('template-reference: a binding without that key; an unbound variable in authentication', async () => {
    const doc = yaml`
      naftiko: "1.0.0-alpha2"
      binds:
        - namespace: env
          keys: { API_TOKEN: API_TOKEN }
      capability:
        consumes:
          - type: http
            namespace: a
            description: A
            baseUri: https://api.example.org
            authentication:
              type: basic
              username: "{{env.API_USER}}"
              password: "{{SECRET}}"
          - type: http
            namespace: b
            description: B
            baseUri: https://api.example.org
            authentication:
              type: bearer
              token: "{{env.API_TOKEN}}"
    `;
    const found = await diagnose(doc);
    expect(found.map((d) => `${d.line}:${d.column} ${d.rule}`)).toEqual([
      '13:19 template-reference',
      '14:19 template-reference',
    ]);
    expect(found[0]?.message).toContain('binding "env" has no key "API_USER"');
    expect(found[1]?.message).toContain('{{SECRET}} in authentication is not a bound variable');
  });

  it('with-reference: tools.X must be a declared input of the tool', async () => {
    const doc = yaml`
      naftiko: "1.0.0-alpha2"
      capability:
        consumes:
          - type: http
            namespace: crm
            description: CRM API
            baseUri: https://api.example.org
            resources:
              - name: items
                path: /items/{{id}}
                operations:
                  - name: get-item
                    method: GET
        exposes:
          - type: mcp
            namespace: crm-mcp
            port: 9090
            tools:
              - name: get
                description: d
                inputParameters:
                  - { name: itemId, type: string, description: The item }
                call: crm.get-item
                with:
                  id: tools.item
    `;
    expect(await briefs(doc)).toEqual(['25:17 error with-reference']);
  });

  it('with-unknown-parameter: a with key the consumed operation does not take', async () => {
    const doc = yaml`
      naftiko: "1.0.0-alpha2"
      capability:
        consumes:
          - type: http
            namespace: crm
            description: CRM API
            baseUri: https://api.example.org
            resources:
              - name: items
                path: /items/{id}
                inputParameters:
                  - { name: id, in: path }
                operations:
                  - name: get-item
                    method: GET
                    inputParameters:
                      - { name: verbose, in: query }
        exposes:
          - type: mcp
            namespace: crm-mcp
            port: 9090
            tools:
              - name: get
                description: d
                call: crm.get-item
                with:
                  id: tools.id
                  verbose: "true"
                  colour: tools.colour
    `;
    expect(await briefs(doc)).toEqual([
      '10:17 warning dialect-single-brace-path',
      '29:13 warning with-unknown-parameter',
    ]);
  });
});
