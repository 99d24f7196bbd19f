/**
 * int64 values in mapped results (contract §6; Gong's call and user ids are int64): an upstream
 * JSON number beyond 2^53 comes out of an output mapping with every digit, to the REST caller
 * (JSON text) and to the MCP caller (the text content; structuredContent holds it as an exact
 * decimal string, since the SDK writes it with JSON.stringify).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { closeRestApps, restApp, upstream, yaml } from '../../helpers/rest-app.js';
import type { Handler } from '../../helpers/rest-app.js';
import { call, closeMcp, load, mcpClient, text } from '../mcp/helpers/mcp-client.js';
import { upstream as mcpUpstream } from '../mcp/helpers/mcp-client.js';

afterEach(async () => {
  await closeRestApps();
  await closeMcp();
});

const GONG_CALLS =
  '{"requestId":"r-1","records":{"totalRecords":2},' +
  '"calls":[{"id":9007199254740993,"title":"Kickoff","duration":1250.5,"primaryUserId":"234599484848423"},' +
  '{"id":-12345678901234567890,"title":"Review","duration":60,"primaryUserId":"1"}]}';

const answer: Handler = (_req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(GONG_CALLS);
};

const capability = yaml`
  naftiko: 1.0.0-alpha2
  info:
    label: Gong calls
    description: Calls recorded in Gong.
  capability:
    consumes:
      - type: http
        namespace: gong
        description: Gong API.
        baseUri: http://gong.invalid/v2
        resources:
          - name: calls
            path: /calls
            operations:
              - name: list-calls
                method: GET
    exposes:
      - type: rest
        namespace: calls-api
        port: 3000
        resources:
          - path: /calls
            description: Calls.
            operations:
              - method: GET
                name: list-calls
                call: gong.list-calls
                outputParameters:
                  - type: object
                    mapping: $
                    properties:
                      first:
                        type: number
                        mapping: $.calls[0].id
                      calls:
                        type: array
                        mapping: $.calls
                        items:
                          type: object
                          properties:
                            id:
                              type: number
                              mapping: $.id
                            label:
                              type: string
                              mapping: $.title
                            idText:
                              type: string
                              mapping: $.id
                            minutes:
                              type: number
                              mapping: $.duration
      - type: mcp
        namespace: calls-mcp
        port: 3001
        tools:
          - name: first-call
            description: The first call.
            call: gong.list-calls
            outputParameters:
              - type: object
                mapping: $.calls[0]
                properties:
                  id:
                    type: number
                    mapping: $.id
                  title:
                    type: string
                    mapping: $.title
`;

describe('int64 in mapped results', () => {
  it('reaches the REST caller with every digit', async () => {
    const up = await upstream(answer);
    const { app } = await restApp(capability, { upstreams: { gong: up } });
    const res = await app.inject({ url: '/calls' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(
      '{"first":9007199254740993,"calls":[' +
        '{"id":9007199254740993,"label":"Kickoff","idText":"9007199254740993","minutes":1250.5},' +
        '{"id":-12345678901234567890,"label":"Review","idText":"-12345678901234567890","minutes":60}]}',
    );
  });

  it('reaches the MCP caller with every digit', async () => {
    const up = await mcpUpstream(answer);
    const { client } = await mcpClient(await load({ text: capability }), {
      upstreams: { gong: up },
    });
    const result = await call(client, 'first-call');
    expect(result.isError).toBeFalsy();
    expect(text(result)).toBe('{"id":9007199254740993,"title":"Kickoff"}');
    expect(result.structuredContent).toEqual({ id: '9007199254740993', title: 'Kickoff' });
  });

  it('leaves bodies without long digit runs as JSON.parse reads them', async () => {
    const up = await upstream((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end('{"calls":[{"id":42,"title":"Short","duration":1.5}]}');
    });
    const { app } = await restApp(capability, { upstreams: { gong: up } });
    const res = await app.inject({ url: '/calls' });
    expect(JSON.parse(res.body)).toEqual({
      first: 42,
      calls: [{ id: 42, label: 'Short', idText: '42', minutes: 1.5 }],
    });
  });
});
