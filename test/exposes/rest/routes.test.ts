/**
 * REST routing (contract §7): routes from `{x}` and `{{x}}` resource paths (names with `-` and
 * `.` included), path values percent-encoded on their way upstream, trailing slashes tolerated,
 * unknown paths 404 ROUTE_NOT_FOUND and other methods 405 with an exact `Allow`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { body, closeRestApps, only, restApp, upstream, yaml } from '../../helpers/rest-app.js';
import type { Upstream } from '../../helpers/rest-app.js';

afterEach(closeRestApps);

/** Ships and their crew: `{{ship-id}}` and `{member.id}` on the exposed side. */
function fleet(up: Upstream) {
  return restApp(
    yaml`
      naftiko: 1.0.0-alpha2
      info:
        label: Fleet
        description: Ships and crews.
      capability:
        consumes:
          - type: http
            namespace: registry
            baseUri: http://registry.invalid/v1
            resources:
              - name: crew
                path: /ships/{{ship}}/crew/{{member}}
                operations:
                  - name: get-member
                    method: GET
                    inputParameters:
                      - name: ship
                        in: path
                      - name: member
                        in: path
                  - name: fire-member
                    method: DELETE
                    inputParameters:
                      - name: ship
                        in: path
                      - name: member
                        in: path
              - name: ships
                path: /ships
                operations:
                  - name: list-ships
                    method: GET
        exposes:
          - type: rest
            namespace: fleet-api
            port: 8080
            resources:
              - path: /fleet/{{ship-id}}/crew/{member.id}
                name: crew-member
                operations:
                  - method: GET
                    name: get-member
                    call: registry.get-member
                    with:
                      ship: rest.ship-id
                      member: rest.member.id
                  - method: DELETE
                    name: fire-member
                    call: registry.fire-member
                    with:
                      ship: rest.ship-id
                      member: rest.member.id
              - path: /fleet
                name: fleet
                operations:
                  - method: GET
                    name: list-ships
                    call: registry.list-ships
    `,
    { upstreams: { registry: `${up.url}/v1` } },
  );
}

describe('REST routes', () => {
  it('serves {{x}} and {x} placeholders whose names contain - and .', async () => {
    const up = await upstream();
    const { app } = await fleet(up);
    const res = await app.inject({ method: 'GET', url: '/fleet/IMO-9811000/crew/7' });
    expect(res.statusCode).toBe(200);
    expect(body(res)).toEqual({ ok: true });
    expect(only(up)).toMatchObject({ method: 'GET', path: '/v1/ships/IMO-9811000/crew/7' });
  });

  it('percent-encodes path values on their way upstream: a value cannot add segments', async () => {
    const up = await upstream();
    const { app } = await fleet(up);
    const res = await app.inject({ method: 'GET', url: '/fleet/a%2Fb%20c/crew/x%3Fy%23z' });
    expect(res.statusCode).toBe(200);
    expect(only(up).path).toBe('/v1/ships/a%2Fb%20c/crew/x%3Fy%23z');
    expect(only(up).query.toString()).toBe('');
  });

  it('sends unicode path values as UTF-8 percent-encoding', async () => {
    const up = await upstream();
    const { app } = await fleet(up);
    await app.inject({ method: 'GET', url: `/fleet/${encodeURIComponent('Ålesund ✓')}/crew/1` });
    expect(decodeURIComponent(only(up).path)).toBe('/v1/ships/Ålesund ✓/crew/1');
    expect(only(up).path).toBe(`/v1/ships/${encodeURIComponent('Ålesund ✓')}/crew/1`);
  });

  it('tolerates a trailing slash, on parameterised and static paths', async () => {
    const up = await upstream();
    const { app } = await fleet(up);
    const a = await app.inject({ method: 'GET', url: '/fleet/s1/crew/m1/' });
    const b = await app.inject({ method: 'GET', url: '/fleet/' });
    expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
    expect(up.requests.map((r) => r.path)).toEqual(['/v1/ships/s1/crew/m1', '/v1/ships']);
  });

  it('routes each declared method to its own operation', async () => {
    const up = await upstream();
    const { app } = await fleet(up);
    const res = await app.inject({ method: 'DELETE', url: '/fleet/s1/crew/m1' });
    expect(res.statusCode).toBe(200);
    expect(only(up)).toMatchObject({ method: 'DELETE', path: '/v1/ships/s1/crew/m1' });
  });

  it('answers an unknown path with 404 ROUTE_NOT_FOUND problem details', async () => {
    const up = await upstream();
    const { app } = await fleet(up);
    for (const url of ['/nowhere', '/fleet/s1', '/fleet/s1/crew', '/fleet/s1/crew/m1/extra']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(body(res)).toMatchObject({ status: 404, code: 'ROUTE_NOT_FOUND' });
      expect(typeof body(res).title).toBe('string');
      expect(typeof body(res).type).toBe('string');
    }
    expect(up.requests).toHaveLength(0);
  });

  it('answers another method on a known path with 405 and Allow listing the declared methods (and HEAD with GET)', async () => {
    const up = await upstream();
    const { app } = await fleet(up);
    for (const method of ['POST', 'PUT', 'PATCH'] as const) {
      const res = await app.inject({ method, url: '/fleet/s1/crew/m1' });
      expect(res.statusCode, method).toBe(405);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(body(res)).toMatchObject({ status: 405, code: 'METHOD_NOT_ALLOWED' });
      const allow = String(res.headers.allow)
        .split(',')
        .map((m) => m.trim());
      expect(allow.sort()).toEqual(['DELETE', 'GET', 'HEAD']);
    }
    const flat = await app.inject({ method: 'POST', url: '/fleet/' });
    expect(flat.statusCode).toBe(405);
    expect(flat.headers.allow).toBe('GET, HEAD');
    expect(up.requests).toHaveLength(0);
  });
});

describe('paths the router cannot take literally', () => {
  it('refuses "*", "(" and ")" outside placeholders with SPEC_INVALID, naming the path', async () => {
    const { routePath } = await import('../../../src/exposes/rest/route-path.js');
    for (const path of ['/a/*/b', '/**', '/{a}(', '/{a}(x)', '/a*']) {
      expect(() => routePath(path)).toThrow(
        expect.objectContaining({ code: 'SPEC_INVALID', message: expect.stringContaining(path) }),
      );
    }
    // Placeholders and plain literals (a colon included) still route.
    expect(routePath('/ships/{{ship-id}}/v1:crew').path).toBe('/ships/:p0/v1::crew');
  });
});

describe('a placeholder followed by a colon (Google-style custom methods)', () => {
  it('routes /v1/{{topic}}:publish with the colon ending the parameter', async () => {
    const up = await upstream();
    const { app } = await restApp(
      yaml`
        naftiko: 1.0.0-alpha2
        info:
          label: Topics
          description: Publishes to a topic.
        capability:
          consumes:
            - type: http
              namespace: pubsub
              baseUri: http://pubsub.invalid/v1
              resources:
                - name: publish
                  path: /topics/{{topic}}:publish
                  operations:
                    - name: publish
                      method: POST
                      inputParameters:
                        - name: topic
                          in: path
          exposes:
            - type: rest
              namespace: topics-rest
              port: 8080
              resources:
                - path: /v1/{{topic}}:publish
                  name: publish
                  operations:
                    - method: POST
                      name: publish
                      call: pubsub.publish
                      with:
                        topic: topics-rest.topic
      `,
      { upstreams: { pubsub: up } },
    );
    const res = await app.inject({ method: 'POST', url: '/v1/orders:publish' });
    expect(res.statusCode).toBe(200);
    expect(only(up).path).toBe('/topics/orders:publish');
    const other = await app.inject({ method: 'POST', url: '/v1/orders:subscribe' });
    expect(other.statusCode).toBe(404);
  });
});
