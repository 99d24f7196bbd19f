/**
 * `naftiko run` and inbound authentication, as a user runs it (a real subprocess): a lock whose
 * credential is empty or unbound stops the run with exit 2 before anything listens, naming the
 * adapter and the variable, never a value; over stdio the lock is reported as not enforced; a
 * running lock refuses without the credential and logs one bounded `auth.refused` event.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startUpstream } from '../consumes/http/helpers/upstream.js';
import type { Upstream } from '../consumes/http/helpers/upstream.js';
import { yaml } from '../helpers/validate.js';
import {
  ensureBuilt,
  runCapability,
  startCapability,
  stopAllCapabilities,
} from '../helpers/run-capability.js';

const dir = mkdtempSync(path.join(tmpdir(), 'naftiko-auth-run-'));
const SPEC = path.join(dir, 'locked.yaml');
writeFileSync(
  SPEC,
  yaml`
    naftiko: 1.0.0-alpha2
    info:
      label: Locked
      description: A REST adapter that starts first, and a locked MCP adapter.
    binds:
      - namespace: env
        keys:
          MCP_TOKEN: LOCKED_MCP_TOKEN
    capability:
      consumes:
        - type: http
          namespace: up
          description: The upstream.
          baseUri: http://up.invalid
          resources:
            - name: items
              path: /items
              operations:
                - name: list-items
                  method: GET
      exposes:
        - type: rest
          namespace: open-rest
          address: 127.0.0.1
          port: 8080
          resources:
            - path: /items
              name: items
              description: Items.
              operations:
                - method: GET
                  name: list-items
                  call: up.list-items
        - type: mcp
          namespace: locked-mcp
          port: 9090
          description: Locked tools.
          authentication:
            type: bearer
            token: "{{MCP_TOKEN}}"
          tools:
            - name: list-items
              description: Lists items.
              call: up.list-items
  `,
);
const TOKEN = 'tok-e2e-5b7c9d';

let up: Upstream;
beforeAll(async () => {
  await ensureBuilt();
  up = await startUpstream();
}, 120_000);
afterEach(stopAllCapabilities);
afterAll(() => up.close());

describe('naftiko run with inbound authentication', () => {
  it('an empty credential: exit 2, AUTH_UNENFORCEABLE, nothing listened', async () => {
    const result = await runCapability(SPEC, ['--port', '*=0', '--log-format', 'json'], {
      LOCKED_MCP_TOKEN: '',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /MCP adapter "locked-mcp": authentication token \(\{\{MCP_TOKEN\}\}\) is empty.*\[AUTH_UNENFORCEABLE\]/,
    );
    // The REST adapter comes first in the file: it must not have started either.
    expect(result.stdout).not.toContain('adapter.listening');
  });

  it('an unbound credential: exit 2, naming the variable', async () => {
    const result = await runCapability(SPEC, ['--port', '*=0'], { LOCKED_MCP_TOKEN: undefined });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/MCP_TOKEN.*LOCKED_MCP_TOKEN.*\[BINDING_UNRESOLVED\]/);
    expect(result.stdout).not.toContain('listening');
  });

  it('over stdio the lock is said not to be enforced (the client owns the process)', async () => {
    const result = await runCapability(SPEC, ['--stdio'], { LOCKED_MCP_TOKEN: TOKEN });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(
      /MCP adapter "locked-mcp": its bearer authentication is not enforced over stdio/,
    );
    expect(result.stderr).not.toContain(TOKEN);
  });

  it('refuses without the token, serves with it, and logs refusals without the credential', async () => {
    const run = await startCapability(SPEC, ['--base-uri', `*=${up.url}`], {
      LOCKED_MCP_TOKEN: TOKEN,
    });
    const listening = run.events.filter((e) => e.event === 'adapter.listening');
    expect(listening.map((e) => [e.namespace, e.authentication])).toEqual([
      ['open-rest', undefined],
      ['locked-mcp', 'bearer'],
    ]);
    const mcp = run.urls.get('locked-mcp')!;
    const initialize = (authorization?: string) =>
      fetch(mcp, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...(authorization ? { authorization } : {}),
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: {
            protocolVersion: '2025-11-25',
            capabilities: {},
            clientInfo: { name: 'e2e', version: '1' },
          },
        }),
      });
    for (let i = 0; i < 5; i++) {
      expect((await initialize(`Bearer wrong-${TOKEN}`)).status).toBe(401);
    }
    expect((await initialize()).status).toBe(401);
    const ok = await initialize(`Bearer ${TOKEN}`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('mcp-session-id')).toBeTruthy();
    await ok.body?.cancel();
    // The open REST adapter is unaffected.
    expect((await fetch(`${run.urls.get('open-rest')}/items`)).status).toBe(200);

    const refused = run.events.filter((e) => e.event === 'auth.refused');
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({
      level: 'warn',
      adapter: 'locked-mcp',
      scheme: 'bearer',
      status: 401,
      reason: 'wrong bearer token',
      remoteAddress: expect.stringMatching(/127\.0\.0\.1|::1/),
    });
    expect(run.stdout()).not.toContain(`wrong-${TOKEN}`);
    expect(await run.stop()).toBe(0);
  });
});
