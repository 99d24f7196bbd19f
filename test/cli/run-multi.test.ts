/**
 * `naftiko run` with several capabilities in one process (issue 12), through the real CLI: two
 * files, a folder (its shared consumes files skipped), a folder with nothing to serve, and
 * adapters that clash across files (same port, same namespace, or within one file through
 * --port) → exit 2 before anything listens, one line naming both files and adapters.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureBuilt,
  freePort,
  runCapability,
  startCapability,
  stopAllCapabilities,
} from '../helpers/run-capability.js';

let tmp: TempDir;

beforeAll(() => {
  ensureBuilt();
  tmp = tempDir();
}, 120_000);
afterEach(async () => {
  await stopAllCapabilities();
});
afterAll(() => tmp?.remove());

async function greeting(base: string): Promise<unknown> {
  const res = await fetch(`${base}/greeting`);
  expect(res.status).toBe(200);
  return res.json();
}

describe('naftiko run with several capabilities', () => {
  it('serves two files in one process', async () => {
    const a = tmp.write('two-a.yaml', restCapability({ namespace: 'a-rest', message: 'from a' }));
    const b = tmp.write(
      'two-b.yaml',
      restCapability({ namespace: 'b-rest', message: 'from b', mcp: { namespace: 'b-mcp' } }),
    );
    // Every adapter on port 0: the files' own ports (8080 twice) are not used, and 0 never clashes.
    const run = await startCapability(a, [b]);
    expect([...run.urls.keys()].sort()).toEqual(['a-rest', 'b-mcp', 'b-rest']);
    expect(await greeting(run.urls.get('a-rest')!)).toEqual({ message: 'from a' });
    expect(await greeting(run.urls.get('b-rest')!)).toEqual({ message: 'from b' });
    expect(run.events.find((e) => e.event === 'capability.ready')).toMatchObject({ adapters: 3 });
  });

  it('serves every capability of a folder, skipping its shared consumes files', async () => {
    const dir = tempDir();
    try {
      dir.write('one.yaml', restCapability({ namespace: 'one-rest', message: 'one' }));
      dir.write('nested-two.yml', restCapability({ namespace: 'two-rest', message: 'two' }));
      dir.write('shared.yaml', sharedConsumes('http://127.0.0.1:1'));
      dir.write('ci.yaml', 'on: push\njobs: {}\n');
      const run = await startCapability(dir.dir);
      expect([...run.urls.keys()].sort()).toEqual(['one-rest', 'two-rest']);
      expect(await greeting(run.urls.get('one-rest')!)).toEqual({ message: 'one' });
      expect(await greeting(run.urls.get('two-rest')!)).toEqual({ message: 'two' });
    } finally {
      dir.remove();
    }
  });

  it('refuses a folder with nothing to serve (exit 2)', async () => {
    const dir = tempDir();
    try {
      dir.write('shared.yaml', sharedConsumes('http://127.0.0.1:1'));
      const result = await runCapability(dir.dir, ['--port', '*=0']);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(
        /no capability in .* exposes anything to serve \[USAGE_INVALID\]/,
      );
    } finally {
      dir.remove();
    }
  });

  it('still refuses an explicit file with nothing to serve (exit 2)', async () => {
    const shared = tmp.write('shared-only.yaml', sharedConsumes('http://127.0.0.1:1'));
    const result = await runCapability(shared, ['--port', '*=0']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/shared-only\.yaml exposes nothing to serve .*\[USAGE_INVALID\]/);
  });
});

describe('adapters that clash', () => {
  it('two files on one port → exit 2 naming both, nothing listens', async () => {
    const port = await freePort();
    const a = tmp.write('clash-a.yaml', restCapability({ namespace: 'a-rest', port }));
    const b = tmp.write('clash-b.yaml', restCapability({ namespace: 'b-rest', port }));
    const result = await runCapability(a, [b, '--log-format', 'json']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(
      `naftiko: adapters clash on port ${port}: "a-rest" (${a}) and "b-rest" (${b}) [USAGE_INVALID]`,
    );
    expect(result.stdout).not.toMatch(/adapter\.listening/);
  });

  it('a wildcard address clashes with a loopback one on the same port', async () => {
    const port = await freePort();
    const a = tmp.write('wild-a.yaml', restCapability({ namespace: 'a-rest', port }));
    const b = tmp.write(
      'wild-b.yaml',
      restCapability({ namespace: 'b-rest', port, address: '0.0.0.0' }),
    );
    const result = await runCapability(a, [b]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `adapters clash on port ${port}: "a-rest" (${a}) and "b-rest" (${b})`,
    );
  });

  it('two files with one namespace → exit 2 naming both', async () => {
    const a = tmp.write('ns-a.yaml', restCapability({ namespace: 'same-rest' }));
    const b = tmp.write('ns-b.yaml', restCapability({ namespace: 'same-rest' }));
    // On port 0: only the names clash.
    const result = await runCapability(a, [b, '--port', '*=0']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(
      `naftiko: adapters clash on namespace "same-rest": rest adapter (${a}) and rest adapter (${b}) [USAGE_INVALID]`,
    );
  });

  it('one file whose adapters --port puts on one port → exit 2', async () => {
    const port = await freePort();
    const a = tmp.write(
      'override.yaml',
      restCapability({ namespace: 'o-rest', port: 8080, mcp: { namespace: 'o-mcp', port: 9090 } }),
    );
    const result = await runCapability(a, ['--port', `*=${port}`]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `adapters clash on port ${port}: "o-rest" (${a}) and "o-mcp" (${a}) [USAGE_INVALID]`,
    );
  });

  it('different ports, addresses on port 0 and distinct names do not clash', async () => {
    const a = tmp.write('ok-a.yaml', restCapability({ namespace: 'ok-a' }));
    const b = tmp.write('ok-b.yaml', restCapability({ namespace: 'ok-b' }));
    const run = await startCapability(a, [b]);
    expect(run.urls.size).toBe(2);
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

interface RestFixture {
  readonly namespace: string;
  readonly port?: number;
  readonly address?: string;
  /** What GET /greeting answers: {"message": <message>}. */
  readonly message?: string;
  /** A second adapter: an MCP adapter of this namespace. */
  readonly mcp?: { readonly namespace: string; readonly port?: number };
}

/** A capability with one REST adapter answering GET /greeting with a mock message. */
function restCapability(f: RestFixture): string {
  return `naftiko: 1.0.0-alpha2
info:
  label: ${f.namespace}
  description: A mock capability for naftiko run tests.
capability:
  exposes:
  - type: rest
    namespace: ${f.namespace}
    address: ${f.address ?? '127.0.0.1'}
    port: ${f.port ?? 8080}
    resources:
    - name: greeting
      path: /greeting
      description: A greeting.
      operations:
      - name: get-greeting
        method: GET
        description: Says hello.
        outputParameters:
        - type: object
          properties:
            message:
              type: string
              value: ${JSON.stringify(f.message ?? 'hello')}
${
  f.mcp === undefined
    ? ''
    : `  - type: mcp
    namespace: ${f.mcp.namespace}
    address: 127.0.0.1
    port: ${f.mcp.port ?? 9090}
    description: Tools.
    tools:
    - name: greet
      description: Says hello.
      outputParameters:
      - name: message
        type: string
        value: hello
`
}`;
}

/** A shared consumes file (no exposes): namespace `up`, GET /value. */
function sharedConsumes(baseUri: string): string {
  return `naftiko: 1.0.0-alpha2
consumes:
- type: http
  namespace: up
  baseUri: ${baseUri}
  resources:
  - name: value
    path: /value
    operations:
    - name: get-value
      method: GET
`;
}

interface TempDir {
  readonly dir: string;
  write(name: string, text: string): string;
  remove(): void;
}

function tempDir(): TempDir {
  const dir = mkdtempSync(path.join(tmpdir(), 'naftiko-run-'));
  return {
    dir,
    write(name, text) {
      const file = path.join(dir, name);
      writeFileSync(file, text);
      return file;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
