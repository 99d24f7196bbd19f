import { describe, expect, it } from 'vitest';
import { isLoopbackHost } from '../../src/spec/rules/ports.js';
import { brief, briefs, diagnose, yaml } from '../helpers/validate.js';

describe('adapter-unauthenticated', () => {
  const restOnDefault = yaml`
    naftiko: "1.0.0-alpha2"
    capability:
      exposes:
        - type: rest
          namespace: shop
          port: 8080
  `;

  it('a REST adapter on the default address without authentication: at `type`', async () => {
    const found = await diagnose(restOnDefault);
    expect(found.map(brief)).toEqual(['4:13 warning adapter-unauthenticated']);
    expect(found[0]?.pointer).toBe('/capability/exposes/0/type');
    expect(found[0]?.message).toBe(
      'REST adapter "shop" listens on 0.0.0.0 (all interfaces, the default) without authentication: anyone who can reach port 8080 can call it',
    );
  });

  it('is the same warning with --strict', async () => {
    expect(await briefs(restOnDefault, true)).toEqual(['4:13 warning adapter-unauthenticated']);
  });

  it('a REST adapter on a loopback address: nothing', async () => {
    for (const address of ['127.0.0.1', '127.8.9.10', 'localhost', 'LocalHost', '::1']) {
      const doc = yaml`
        naftiko: "1.0.0-alpha2"
        capability:
          exposes:
            - type: rest
              namespace: shop
              address: "${address}"
              port: 8080
      `;
      expect(await briefs(doc), address).toEqual([]);
    }
  });

  it('a REST adapter with authentication: nothing', async () => {
    const doc = yaml`
      naftiko: "1.0.0-alpha2"
      capability:
        exposes:
          - type: rest
            namespace: shop
            port: 8080
            authentication: { type: bearer, token: abc }
    `;
    expect(await briefs(doc)).toEqual([]);
  });

  it('a declared non-loopback address: at `address`, without "the default"', async () => {
    const doc = yaml`
      naftiko: "1.0.0-alpha2"
      capability:
        exposes:
          - type: rest
            namespace: shop
            address: 10.0.0.5
            port: 8080
    `;
    const found = await diagnose(doc);
    expect(found.map(brief)).toEqual(['6:16 warning adapter-unauthenticated']);
    expect(found[0]?.pointer).toBe('/capability/exposes/0/address');
    expect(found[0]?.message).toBe(
      'REST adapter "shop" listens on 10.0.0.5 without authentication: anyone who can reach port 8080 can call it',
    );
  });

  it('MCP over http on its default address (localhost): nothing', async () => {
    const doc = yaml`
      naftiko: "1.0.0-alpha2"
      capability:
        exposes:
          - type: mcp
            namespace: tools
            port: 3001
            tools:
              - name: t
                description: d
                outputParameters: [{ name: x, type: string, value: "1" }]
    `;
    expect(await briefs(doc)).toEqual([]);
  });

  it('MCP on 0.0.0.0 without authentication: a warning at `address`', async () => {
    const doc = yaml`
      naftiko: "1.0.0-alpha2"
      capability:
        exposes:
          - type: mcp
            namespace: tools
            address: 0.0.0.0
            port: 3001
            tools:
              - name: t
                description: d
                outputParameters: [{ name: x, type: string, value: "1" }]
    `;
    const found = await diagnose(doc);
    expect(found.map(brief)).toEqual(['6:16 warning adapter-unauthenticated']);
    expect(found[0]?.message).toBe(
      'MCP adapter "tools" listens on 0.0.0.0 (all interfaces) without authentication: anyone who can reach port 3001 can call it',
    );
  });

  it('MCP over stdio has no network door: nothing', async () => {
    const doc = yaml`
      naftiko: "1.0.0-alpha2"
      capability:
        exposes:
          - type: mcp
            namespace: tools
            transport: stdio
            tools:
              - name: t
                description: d
                outputParameters: [{ name: x, type: string, value: "1" }]
    `;
    expect(await briefs(doc)).toEqual([]);
  });

  it('a skill adapter defaults to all interfaces; a control adapter to localhost', async () => {
    const doc = yaml`
      naftiko: "1.0.0-alpha2"
      capability:
        exposes:
          - type: skill
            namespace: skills
            port: 8081
            skills:
              - name: s
                description: d
                location: file:///tmp/skills/s
          - type: control
            port: 9999
    `;
    const found = (await diagnose(doc)).filter((d) => d.rule === 'adapter-unauthenticated');
    expect(found.map(brief)).toEqual(['4:13 warning adapter-unauthenticated']);
    expect(found[0]?.message).toContain(
      'skill adapter "skills" listens on 0.0.0.0 (all interfaces, the default) without',
    );
  });

  it('a control adapter opened to the network without authentication', async () => {
    const doc = yaml`
      naftiko: "1.0.0-alpha2"
      capability:
        exposes:
          - type: control
            address: 0.0.0.0
            port: 9999
    `;
    const found = await diagnose(doc);
    expect(found.map(brief)).toEqual([
      '5:16 warning control-address',
      '5:16 warning adapter-unauthenticated',
    ]);
    expect(found[1]?.message).toBe(
      'control adapter listens on 0.0.0.0 (all interfaces) without authentication: anyone who can reach port 9999 can call it',
    );
  });
});

describe('oauth2-https and oauth2-http-loopback', () => {
  /** An MCP adapter protected by OAuth 2.0; `authorizationServerUri` is on line 9, column 33. */
  const oauth2 = (uri: string): string => yaml`
    naftiko: "1.0.0-alpha2"
    capability:
      exposes:
        - type: mcp
          namespace: tools
          port: 3001
          authentication:
            type: oauth2
            authorizationServerUri: ${uri}
            resource: https://mcp.example.org
            scopes: [read]
          tools:
            - name: t
              description: d
              outputParameters: [{ name: x, type: string, value: "1" }]
  `;

  it('http on a loopback host: a warning at engine level, the official error with --strict', async () => {
    for (const uri of ['http://127.0.0.1:9000', 'http://localhost:9000/realms/x', 'http://[::1]']) {
      const engine = await diagnose(oauth2(uri));
      expect(engine.map(brief), uri).toEqual(['9:33 warning oauth2-http-loopback']);
      expect(engine[0]?.pointer).toBe(
        '/capability/exposes/0/authentication/authorizationServerUri',
      );
      expect(engine[0]?.message).toContain('--strict requires https');

      expect(await briefs(oauth2(uri), true), uri).toEqual(['9:33 error oauth2-https']);
    }
  });

  it('http elsewhere is an error at both levels', async () => {
    for (const uri of ['http://auth.internal', 'http://127.0.0.1.nip.io', 'ftp://127.0.0.1']) {
      expect(await briefs(oauth2(uri)), uri).toEqual(['9:33 error oauth2-https']);
      expect(await briefs(oauth2(uri), true), uri).toEqual(['9:33 error oauth2-https']);
    }
  });

  it('https: nothing at either level', async () => {
    for (const uri of ['https://auth.example.org', 'https://127.0.0.1:9000']) {
      expect(await briefs(oauth2(uri)), uri).toEqual([]);
      expect(await briefs(oauth2(uri), true), uri).toEqual([]);
    }
  });
});

describe('isLoopbackHost', () => {
  it('knows localhost, 127.0.0.0/8 and ::1 in its spellings, and nothing else', () => {
    for (const host of [
      'localhost',
      '127.0.0.1',
      '127.255.0.1',
      '::1',
      '[::1]',
      '0:0:0:0:0:0:0:1',
    ]) {
      expect(isLoopbackHost(host), host).toBe(true);
    }
    for (const host of ['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', 'localhost.example', '127.0.0']) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
  });
});

describe('bare-variable-reference', () => {
  const doc = (token: string, version: string) => yaml`
    naftiko: "1.0.0-alpha2"
    binds:
      - namespace: registry-env
        keys:
          REGISTRY_TOKEN: registry-bearer-token
          REGISTRY_VERSION: registry-api-version
    capability:
      consumes:
        - type: http
          namespace: registry
          description: The registry.
          baseUri: https://registry.example.test
          authentication:
            type: bearer
            token: "${token}"
          inputParameters:
            - name: Registry-Version
              in: header
              value: "${version}"
          resources:
            - name: ships
              path: /ships
              operations:
                - name: list-ships
                  method: GET
      exposes:
        - type: mcp
          namespace: tools
          port: 9090
          description: Tools.
          authentication:
            type: bearer
            token: "${token}"
          tools:
            - name: list-ships
              description: Lists ships.
              call: registry.list-ships
  `;

  it('warns where a credential or a parameter value is a bound name without braces', async () => {
    const found = await diagnose(doc('REGISTRY_TOKEN', 'registry-env.REGISTRY_VERSION'));
    expect(found.filter((d) => d.rule === 'bare-variable-reference').map((d) => d.pointer)).toEqual(
      [
        '/capability/consumes/0/authentication/token',
        '/capability/exposes/0/authentication/token',
        '/capability/consumes/0/inputParameters/0/value',
      ],
    );
    expect(found.find((d) => d.rule === 'bare-variable-reference')?.message).toMatch(
      /authentication token "REGISTRY_TOKEN" is the bare name of a bound variable.*write "\{\{REGISTRY_TOKEN\}\}"/,
    );
  });

  it('says nothing of templates or of literals that name no bound variable', async () => {
    const found = await diagnose(doc('{{REGISTRY_TOKEN}}', 'v2024'));
    expect(found.filter((d) => d.rule === 'bare-variable-reference')).toEqual([]);
  });
});

describe('credential-unbound-name', () => {
  const doc = (token: string) => yaml`
    naftiko: "1.0.0-alpha2"
    binds:
      - namespace: env
        keys:
          MCP_SERVER_TOKEN: MCP_SERVER_TOKEN
    capability:
      exposes:
        - type: mcp
          namespace: tools
          port: 9090
          description: Tools.
          authentication:
            type: bearer
            token: "${token}"
          tools:
            - name: ping
              description: Pings.
              outputParameters:
                - name: reply
                  type: string
                  value: pong
  `;

  it('is an error where a lock would accept a misspelt variable name as its secret', async () => {
    const found = (await diagnose(doc('MCP_SERVER_TOKN'))).filter(
      (d) => d.rule === 'credential-unbound-name',
    );
    expect(found.map(brief)).toEqual(['14:16 error credential-unbound-name']);
    expect(found[0]?.message).toMatch(/"MCP_SERVER_TOKN" reads like a variable name/);
  });

  it('says nothing of a bound name, a template or a literal secret', async () => {
    for (const token of ['MCP_SERVER_TOKEN', '{{MCP_SERVER_TOKEN}}', 's3cret-Literal_1']) {
      const found = await diagnose(doc(token));
      expect(
        found.filter((d) => d.rule === 'credential-unbound-name'),
        token,
      ).toEqual([]);
    }
  });
});
