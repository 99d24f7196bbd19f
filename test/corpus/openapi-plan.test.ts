/**
 * The corpus run's request plan (scripts/lib/openapi-plan.mjs): every REST operation is called
 * with a request built from the adapter's own /openapi.json — path parameters, the required
 * query/header parameters and the required body, each with a value of its declared type — and a
 * query-discriminated path (`/v1/?Action=RunInstances`) is called with its fixed query values, so
 * that the request reaches that operation. End to end: the built CLI on port 0, the catch-all
 * upstream on 127.0.0.1.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  killAllCapabilities,
  runCapabilityFile,
  startCatchAllUpstream,
  statusClass,
  valueForSchema,
} from '../helpers/catch-all-upstream.js';
import type { CatchAllUpstream, FileResult } from '../helpers/catch-all-upstream.js';
import { ensureBuilt } from '../helpers/cli.js';

const CAPABILITY = `
naftiko: 1.0.0-alpha2
info:
  label: Compute
  description: Instances, told apart by query values.
capability:
  consumes:
    - type: http
      namespace: ec2
      description: EC2 query API.
      baseUri: http://ec2.invalid
      resources:
        - name: run
          path: /?Action=RunInstances
          operations:
            - name: run-instances
              method: GET
              inputParameters:
                - name: ImageId
                  in: query
                  required: true
                - name: MinCount
                  in: query
                  type: integer
                  required: true
        - name: describe
          path: /?Action=DescribeInstances
          operations:
            - name: describe-instances
              method: GET
              inputParameters:
                - name: MaxResults
                  in: query
                  type: integer
        - name: instance
          path: /instances/{{instanceId}}
          operations:
            - name: tag-instance
              method: POST
              inputParameters:
                - name: instanceId
                  in: path
                - name: region
                  in: header
                  required: true
                - name: body
                  in: body
                  required: true
  exposes:
    - type: rest
      namespace: compute
      port: 3000
      resources:
        - path: /v1/?Action=RunInstances
          description: Launch instances.
          operations:
            - method: GET
              name: run-instances
              call: ec2.run-instances
              with:
                ImageId: rest.ImageId
                MinCount: rest.MinCount
        - path: /v1/?Action=DescribeInstances
          description: List instances.
          operations:
            - method: GET
              name: describe-instances
              call: ec2.describe-instances
              with:
                MaxResults: rest.MaxResults
        - path: /v1/instances/{{instanceId}}/tags
          description: Tag an instance.
          operations:
            - method: POST
              name: tag-instance
              call: ec2.tag-instance
              inputParameters:
                - name: instanceId
                  in: path
                  type: string
                  description: The instance.
                  pattern: "^i-[0-9a-f]+$"
              # region: a required consumed header nothing feeds, so a required caller header.
              with:
                instanceId: rest.instanceId
                body: rest.body
`;

describe('valueForSchema', () => {
  it('gives a value of the declared type, honouring const, enum, format and pattern', () => {
    expect(valueForSchema('x', { type: 'string', const: 'A' })).toBe('A');
    expect(valueForSchema('x', { type: 'string', enum: ['asc', 'desc'] })).toBe('asc');
    expect(valueForSchema('x', { type: 'integer', minimum: 5 })).toBe(5);
    expect(valueForSchema('x', { type: 'boolean' })).toBe(true);
    expect(valueForSchema('since', { type: 'string', format: 'date-time' })).toBe(
      '2024-01-01T00:00:00Z',
    );
    expect(valueForSchema('x', { type: 'string', format: 'uuid' })).toBe(
      '00000000-0000-0000-0000-000000000000',
    );
    expect(valueForSchema('x', { type: 'string', pattern: '^[A-Z]+$' })).toBe('ABC');
    expect(valueForSchema('ids', { type: 'array', items: { type: 'integer' } })).toEqual([1]);
    expect(
      valueForSchema('body', {
        type: 'object',
        properties: { n: { type: 'number' }, s: { type: 'string' }, o: { type: 'string' } },
        required: ['n', 's'],
      }),
    ).toEqual({ n: 1, s: 'abc' });
  });
});

describe('the corpus run plan, end to end', () => {
  let upstream: CatchAllUpstream;
  let dir: string;
  let result: FileResult;

  beforeAll(() => ensureBuilt(), 120_000);
  beforeAll(async () => {
    upstream = await startCatchAllUpstream();
    dir = mkdtempSync(path.join(os.tmpdir(), 'naftiko-plan-'));
    const absolutePath = path.join(dir, 'compute.yaml');
    writeFileSync(absolutePath, CAPABILITY);
    result = await runCapabilityFile(
      { file: 'compute.yaml', absolutePath, doc: load(CAPABILITY) },
      upstream.url,
    );
  }, 60_000);
  afterAll(async () => {
    killAllCapabilities();
    await upstream?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('calls each operation from /openapi.json and each answers 2xx', () => {
    expect(result.started, result.stderr).toBe(true);
    expect(result.adapters.map((a) => a.openapi)).toEqual([true]);
    const calls = result.operations.map((op) => ({
      operation: op.operation,
      target: op.target,
      openapi: op.openapi,
      outcome: statusClass(op),
    }));
    expect(calls).toEqual([
      {
        operation: 'run-instances',
        // The fixed value first, then the required inputs with values of their types.
        target: '/v1/?Action=RunInstances&ImageId=1&MinCount=1',
        openapi: true,
        outcome: 'ok',
      },
      {
        operation: 'describe-instances',
        // MaxResults is optional: not sent.
        target: '/v1/?Action=DescribeInstances',
        openapi: true,
        outcome: 'ok',
      },
      {
        operation: 'tag-instance',
        target: expect.stringMatching(/^\/v1\/instances\/i-[0-9a-f]+\/tags$/),
        openapi: true,
        outcome: 'ok',
      },
    ]);
    const tag = result.operations[2]!;
    expect(tag.headers).toMatchObject({ region: 'abc', 'content-type': 'application/json' });
    expect(tag.body).toBe('{}');
  });

  it('reaches the operation each query variant names', () => {
    const urls = upstream.requests.map((r) => r.url);
    expect(urls).toContain('/?Action=RunInstances&ImageId=1&MinCount=1');
    expect(urls).toContain('/?Action=DescribeInstances');
    const tagged = upstream.requests.find((r) => /^\/instances\/i-[0-9a-f]+$/.test(r.url));
    expect(tagged?.method).toBe('POST');
    expect(tagged?.headers.region).toBe('abc');
  });
});
