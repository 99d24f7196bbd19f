import { describe, expect, it } from 'vitest';
import { diagnose, yaml } from '../helpers/validate.js';
import { compareDiagnostics } from '../../src/spec/diagnostics.js';

const lines = async (doc: string) =>
  (await diagnose(doc))
    .sort(compareDiagnostics)
    .map((d) => `${d.line}:${d.column} ${d.rule} ${d.message}`);

describe('schema diagnostics', () => {
  it('explains a failed union by the branch the author meant, keeping errors beside it', async () => {
    const doc = yaml`
      naftiko: "1.0.0-alpha2"
      capability:
        exposes:
          - type: mcp
            namespace: a
            port: 9090
            tools:
              - name: t
                description: d
          - type: rest
            namespace: b
            port: 8080
            resources:
              - path: /x
                description: X
                operations:
                  - method: GET
                    outputParameters:
                      - type: string
                    colour: blue
    `;
    expect(await lines(doc)).toEqual([
      '8:11 schema `/capability/exposes/0/tools/0` must be one of these forms: a call; steps; an aggregate reference; mock outputs',
      '19:19 schema `/capability/exposes/1/resources/0/operations/0/outputParameters/0` must be one of these forms: a `mapping`; a `value`',
      '20:15 schema unknown property `colour` in `/capability/exposes/1/resources/0/operations/0`',
    ]);
  });

  it('names the discriminated branch: an unknown adapter type, a bad body, a bad auth field', async () => {
    const doc = yaml`
      naftiko: "1.0.0-alpha2"
      capability:
        consumes:
          - type: http
            namespace: a
            description: A
            baseUri: https://api.example.org
            authentication: { type: bearer, tokn: x }
            resources:
              - name: r
                path: /r
                operations:
                  - name: o
                    method: POST
                    body: { type: json }
        exposes:
          - type: grpc
            port: 1
    `;
    expect(await lines(doc)).toEqual([
      '8:39 schema unknown property `tokn` in `/capability/consumes/0/authentication` (did you mean `token`?)',
      '15:21 schema `/capability/consumes/0/resources/0/operations/0/body` is missing the required property `data`',
      '17:13 schema `/capability/exposes/0/type` must be one of: "rest", "mcp", "skill", "control"',
    ]);
  });

  it('shows the value a pattern rejected and what the pattern means', async () => {
    const doc = yaml`
      naftiko: "1.0.0-alpha2"
      capability:
        consumes:
          - { type: http, namespace: a b, description: A, baseUri: "" }
    `;
    expect(await lines(doc)).toEqual([
      '4:32 schema `/capability/consumes/0/namespace` is "a b", which does not match ^[A-Za-z0-9-]+$ (letters, digits and \'-\')',
      '4:62 schema `/capability/consumes/0/baseUri` is empty, which does not match ^(?:https?://[^/]+(?:/[\\s\\S]*)?|\\{\\{[\\s\\S]+)$ (an http(s) URL, possibly templated, or a {{template}})',
    ]);
  });

  it('reports a wrong type once, not also as a bad enum value', async () => {
    const doc = yaml`
      naftiko: "1.0.0-alpha2"
      capability:
        exposes:
          - type: rest
            namespace: a
            port: 8080
            resources:
              - path: /x
                description: X
                operations:
                  - method: 42
    `;
    expect(await lines(doc)).toEqual([
      '11:23 schema `/capability/exposes/0/resources/0/operations/0/method` must be of type string',
    ]);
  });

  it('a document with both capability and root consumes matches two forms', async () => {
    const doc = yaml`
      naftiko: "1.0.0-alpha2"
      consumes:
        - { type: http, namespace: a, description: A, baseUri: https://api.example.org }
      capability:
        exposes:
          - { type: rest, namespace: b, port: 8080 }
    `;
    expect(await lines(doc)).toEqual([
      '1:1 schema the document matches several forms where exactly one is allowed',
    ]);
  });
});
