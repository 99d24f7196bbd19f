import { describe, expect, it } from 'vitest';
import { briefs, yaml } from '../helpers/validate.js';

describe('reference rules', () => {
  it('accepts a document whose references all resolve', async () => {
    const doc = yaml`
      naftiko: "1.0.0-alpha2"
      capability:
        consumes:
          - type: http
            namespace: crm
            description: CRM API
            baseUri: https://api.example.org/v1
            resources:
              - name: items
                path: /items
                operations:
                  - name: list-items
                    method: GET
        exposes:
          - type: rest
            namespace: crm-rest
            port: 8080
            resources:
              - path: /items
                description: Items
                operations:
                  - method: GET
                    call: crm.list-items
    `;
    expect(await briefs(doc)).toEqual(['15:13 warning adapter-unauthenticated']);
  });

  it('call-unresolved: an unknown namespace, an unknown operation', async () => {
    const doc = yaml`
      naftiko: "1.0.0-alpha2"
      capability:
        consumes:
          - type: http
            namespace: crm
            description: CRM API
            baseUri: https://api.example.org/v1
            resources:
              - name: items
                path: /items
                operations:
                  - name: list-items
                    method: GET
        exposes:
          - type: mcp
            namespace: crm-mcp
            port: 9090
            tools:
              - name: a
                description: d
                call: crm.nope
              - name: b
                description: d
                call: other.list-items
    `;
    expect(await briefs(doc)).toEqual([
      '21:17 error call-unresolved',
      '24:17 error call-unresolved',
    ]);
  });

  it('ref-unresolved and aggregate-function-duplicate', async () => {
    const doc = yaml`
      naftiko: "1.0.0-alpha2"
      capability:
        exposes:
          - type: mcp
            namespace: crm-mcp
            port: 9090
            tools:
              - ref: fns.nope
        aggregates:
          - label: Functions
            namespace: fns
            functions:
              - name: f
                description: d
                outputParameters: [{ name: x, type: string, value: "1" }]
              - name: f
                description: d
                outputParameters: [{ name: x, type: string, value: "2" }]
    `;
    expect(await briefs(doc)).toEqual([
      '8:16 error ref-unresolved',
      '16:17 error aggregate-function-duplicate',
    ]);
  });

  it('forward-unresolved', async () => {
    const doc = yaml`
      naftiko: "1.0.0-alpha2"
      capability:
        exposes:
          - type: rest
            namespace: proxy
            port: 8080
            resources:
              - path: /items
                description: Items
                forward:
                  targetNamespace: nowhere
    `;
    expect(await briefs(doc)).toEqual([
      '11:30 error forward-unresolved',
      '4:13 warning adapter-unauthenticated',
    ]);
  });

  it('step-unresolved: a lookup of a later step, a step name used twice', async () => {
    const doc = yaml`
      naftiko: "1.0.0-alpha2"
      capability:
        consumes:
          - type: http
            namespace: crm
            description: CRM API
            baseUri: https://api.example.org/v1
            resources:
              - name: items
                path: /items
                operations:
                  - name: list-items
                    method: GET
        exposes:
          - type: mcp
            namespace: crm-mcp
            port: 9090
            tools:
              - name: find
                description: d
                steps:
                  - type: lookup
                    name: pick
                    index: fetch
                    match: id
                    lookupValue: "1"
                    outputParameters: [name]
                  - type: call
                    name: fetch
                    call: crm.list-items
                  - type: call
                    name: fetch
                    call: crm.list-items
    `;
    expect(await briefs(doc)).toEqual([
      '24:22 error step-unresolved',
      '32:21 error step-unresolved',
    ]);
  });

  it('output-schema-missing: avro and protobuf need their schema file', async () => {
    const doc = yaml`
      naftiko: "1.0.0-alpha2"
      capability:
        consumes:
          - type: http
            namespace: records
            description: Records
            baseUri: https://api.example.org
            resources:
              - name: records
                path: /records
                operations:
                  - { name: avro, method: GET, outputRawFormat: avro }
                  - { name: proto, method: GET, outputRawFormat: protobuf, outputSchema: records.proto }
    `;
    expect(await briefs(doc)).toEqual(['12:59 warning output-schema-missing']);
  });
});
