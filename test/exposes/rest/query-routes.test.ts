/**
 * REST resource paths that carry a query (`/v1/?Action=RunInstances`, AWS EC2/S3 style): routed
 * by path plus fixed query values; other query parameters are inputs as usual; a query matching
 * none of the fixed values is a 404 naming them; /openapi.json says how operations are told apart.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { body, closeRestApps, only, restApp, upstream, yaml } from '../../helpers/rest-app.js';
import { diagnose } from '../../helpers/validate.js';

afterEach(closeRestApps);

const ec2 = yaml`
  naftiko: 1.0.0-alpha2
  info:
    label: Compute
    description: Instances.
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
          - name: describe
            path: /?Action=DescribeInstances
            operations:
              - name: describe-instances
                method: GET
                inputParameters:
                  - name: MaxResults
                    in: query
                    type: integer
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
          - path: /v1/?Action=DescribeInstances
            description: List instances.
            operations:
              - method: GET
                name: describe-instances
                call: ec2.describe-instances
                with:
                  MaxResults: rest.MaxResults
          - path: /v1/status
            description: Status.
            operations:
              - method: GET
                name: status
                outputParameters:
                  - type: string
                    value: up
`;

describe('REST paths with a query', () => {
  it('routes by the fixed query values; the other query parameters are inputs', async () => {
    const up = await upstream();
    const { app } = await restApp(ec2, { upstreams: { ec2: up } });

    const described = await app.inject({ url: '/v1/?Action=DescribeInstances&MaxResults=5' });
    expect(described.statusCode).toBe(200);
    let sent = only(up);
    expect(sent.query.get('Action')).toBe('DescribeInstances');
    expect(sent.query.get('MaxResults')).toBe('5');

    up.requests.length = 0;
    const run = await app.inject({ url: '/v1?ImageId=ami-1&Action=RunInstances' });
    expect(run.statusCode).toBe(200);
    sent = only(up);
    expect(sent.query.get('Action')).toBe('RunInstances');
    expect(sent.query.get('ImageId')).toBe('ami-1');

    // Inputs are still checked for the chosen operation.
    const invalid = await app.inject({ url: '/v1/?Action=RunInstances' });
    expect(invalid.statusCode).toBe(400);
    expect(body(invalid).detail).toContain('ImageId is required');
  });

  it('answers 404 naming the expected values when the query matches none', async () => {
    const up = await upstream();
    const { app } = await restApp(ec2, { upstreams: { ec2: up } });
    for (const url of ['/v1/?Action=TerminateInstances', '/v1/']) {
      const res = await app.inject({ url });
      expect(res.statusCode).toBe(404);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(body(res).code).toBe('ROUTE_NOT_FOUND');
      expect(body(res).detail).toContain('Action=RunInstances, Action=DescribeInstances');
    }
    expect(up.requests).toHaveLength(0);
    // Another method on the path is still 405 with Allow.
    const post = await app.inject({ method: 'POST', url: '/v1/?Action=RunInstances' });
    expect(post.statusCode).toBe(405);
    expect(post.headers.allow).toContain('GET');
  });

  it('describes the variants in /openapi.json, and a request built from it gets through', async () => {
    const up = await upstream();
    const { app } = await restApp(ec2, { upstreams: { ec2: up } });
    const doc = body(await app.inject({ url: '/openapi.json' })) as {
      paths: Record<string, Record<string, Record<string, unknown>>>;
    };
    expect(Object.keys(doc.paths)).toEqual(['/v1/', '/v1/status']);
    const get = doc.paths['/v1/']?.get as {
      parameters: { name: string; in: string; required: boolean; schema: unknown }[];
      'x-naftiko-query-variants': {
        query: Record<string, string>;
        operationId: string;
        parameters: { name: string; in: string; required: boolean; schema: { const?: string } }[];
      }[];
    };
    expect(get.parameters[0]).toMatchObject({
      name: 'Action',
      in: 'query',
      required: true,
      schema: { type: 'string', enum: ['RunInstances', 'DescribeInstances'] },
    });
    // ImageId is required by one variant only.
    expect(get.parameters.find((p) => p.name === 'ImageId')?.required).toBe(false);
    const variants = get['x-naftiko-query-variants'];
    expect(variants.map((v) => [v.operationId, v.query])).toEqual([
      ['run-instances', { Action: 'RunInstances' }],
      ['describe-instances', { Action: 'DescribeInstances' }],
    ]);

    // Build each variant's request from its own parameter list: every one reaches the upstream.
    for (const variant of variants) {
      const query = new URLSearchParams();
      for (const p of variant.parameters) {
        if (p.in !== 'query') continue;
        if (p.schema.const !== undefined) query.set(p.name, p.schema.const);
        else if (p.required) query.set(p.name, 'x-1');
      }
      up.requests.length = 0;
      const res = await app.inject({ url: `/v1/?${query.toString()}` });
      expect(res.statusCode, variant.operationId).toBe(200);
      expect(only(up).query.get('Action')).toBe(variant.query.Action);
    }
  });

  it('documents a single query variant with a const parameter', async () => {
    const { app } = await restApp(
      ec2.replace('path: /v1/?Action=DescribeInstances', 'path: /v2/?Action=DescribeInstances'),
      { upstreams: { ec2: 'http://127.0.0.1:9' } },
    );
    const doc = body(await app.inject({ url: '/openapi.json' })) as {
      paths: Record<string, { get: { operationId: string; parameters: unknown[] } }>;
    };
    const get = doc.paths['/v1/']?.get;
    expect(get?.operationId).toBe('run-instances');
    expect(get?.parameters[0]).toMatchObject({
      name: 'Action',
      required: true,
      schema: { type: 'string', const: 'RunInstances' },
    });
  });

  it('keeps the path-query validation rule a warning', async () => {
    const found = (await diagnose(ec2)).filter((d) => d.rule === 'path-query');
    expect(found.length).toBeGreaterThan(0);
    expect(new Set(found.map((d) => d.severity))).toEqual(new Set(['warning']));
  });
});
