/**
 * Every corpus file that declares inbound authentication on an exposed adapter is enforced when
 * run (issue 9). The files are found by reading the corpus (../shared/corpus, in place), not
 * listed here; each is made runnable in a temporary folder (inbound-auth-fixture.ts: dummy
 * secrets, imported consumes files from the same commit), validated at engine level, and every
 * engine-valid one runs with the real CLI against a loopback catch-all upstream:
 * `initialize` without a token and with a wrong one → 401 with a Bearer challenge, with the right
 * (dummy) token → 200, and nothing sent upstream. Files that do not validate are reported with
 * their first error, and that set must be exactly the one explained in EXPECTED_INVALID.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createValidator } from '../../src/spec/validate.js';
import { startCatchAllUpstream } from '../helpers/catch-all-upstream.js';
import type { CatchAllUpstream } from '../helpers/catch-all-upstream.js';
import { corpusAvailable, readCorpusIndex } from '../helpers/corpus.js';
import { ensureBuilt, startCapability, stopAllCapabilities } from '../helpers/run-capability.js';
import {
  expectedCredential,
  filesDeclaringInboundAuth,
  prepareFile,
} from './inbound-auth-fixture.js';
import type { DeclaringFile, PreparedFile } from './inbound-auth-fixture.js';

/**
 * The declaring files the engine refuses to load, by corpus path: the rule and a fragment of the
 * message of their first error, and why. Anything else that does not validate fails the test.
 */
const EXPECTED_INVALID: Record<string, { rule: string; message: string; why: string }> = {
  'files/naftiko__slack-sandbox/d1ef6c9__capability__slack-sandbox.naftiko.yaml': {
    rule: 'schema',
    message: '`/capability/exposes/2` is missing the required property `skills`',
    why:
      'its skill adapter lists `groups` of skills, a shape that neither the official alpha2 ' +
      'schema nor the engine knows (alpha2 has `skills` at the adapter level)',
  },
};

const CONCURRENCY = 3;
const WRONG_TOKEN = 'wrong-token-c41d';

const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 'corpus-inbound-auth', version: '1.0.0' },
  },
};

const rows = corpusAvailable ? readCorpusIndex() : [];
const declaring: DeclaringFile[] = corpusAvailable ? filesDeclaringInboundAuth(rows) : [];

interface DoorResult {
  readonly file: string;
  readonly namespace: string;
  readonly anonymous: number;
  readonly challenge: string | null;
  readonly wrong: number;
  readonly right: number;
  /** `serverInfo.name` of the authorised `initialize` answer. */
  readonly serverName: unknown;
}

type InitializeAnswer = { result?: { serverInfo?: { name?: unknown } } };

async function initialize(url: string, token?: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify(INITIALIZE),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  // The answer is JSON, or one SSE event whose `data:` line is the JSON-RPC message.
  const json = text.trimStart().startsWith('{')
    ? text
    : (/^data: (.*)$/m.exec(text)?.[1] ?? 'null');
  let message: InitializeAnswer | null;
  try {
    message = JSON.parse(json) as InitializeAnswer | null;
  } catch {
    message = null;
  }
  return {
    status: response.status,
    challenge: response.headers.get('www-authenticate'),
    serverName: message?.result?.serverInfo?.name,
  };
}

async function tryDoors(prepared: PreparedFile, upstream: CatchAllUpstream): Promise<DoorResult[]> {
  const engine = await startCapability(
    prepared.file,
    // Loopback only, whatever address the file binds (several say 0.0.0.0).
    ['--base-uri', `*=${upstream.url}`, '--address', '*=127.0.0.1'],
    prepared.env,
    { cwd: prepared.dir },
  );
  try {
    const results: DoorResult[] = [];
    for (const adapter of prepared.declaring.protectedAdapters) {
      const namespace = String(adapter.namespace);
      const url = engine.urls.get(namespace);
      if (url === undefined) throw new Error(`${prepared.file}: ${namespace} is not listening`);
      const token = expectedCredential(adapter.authentication?.token, prepared.values);
      const anonymous = await initialize(url);
      const wrong = await initialize(url, WRONG_TOKEN);
      const right = await initialize(url, token);
      results.push({
        file: prepared.declaring.row.file,
        namespace,
        anonymous: anonymous.status,
        challenge: anonymous.challenge,
        wrong: wrong.status,
        right: right.status,
        serverName: right.serverName,
      });
    }
    return results;
  } finally {
    await engine.stop();
  }
}

/** Runs `work` over `items`, at most `limit` at a time, keeping the order of `items`. */
async function inPool<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>) {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

describe.skipIf(!corpusAvailable)('corpus files that declare inbound authentication', () => {
  const prepared: PreparedFile[] = [];
  const valid: PreparedFile[] = [];
  const invalid = new Map<string, { rule: string; message: string }>();
  let upstream: CatchAllUpstream | undefined;

  beforeAll(async () => {
    ensureBuilt();
    upstream = await startCatchAllUpstream();
    const validator = createValidator();
    for (const file of declaring) {
      const ready = prepareFile(file, rows);
      prepared.push(ready);
      const result = await validator.validateFile(ready.file);
      if (result.capability !== undefined) {
        valid.push(ready);
        continue;
      }
      const first = result.diagnostics.find((d) => d.severity === 'error');
      invalid.set(file.row.file, {
        rule: first?.rule ?? 'unknown',
        message: `${first?.message ?? 'no error reported'} (line ${first?.line ?? 0})`,
      });
    }
  }, 180_000);

  afterAll(async () => {
    await stopAllCapabilities();
    await upstream?.close();
    for (const ready of prepared) rmSync(ready.dir, { recursive: true, force: true });
  });

  it(`finds ${declaring.length} files declaring inbound auth, every one an MCP bearer lock`, () => {
    expect(declaring.length).toBeGreaterThan(0);
    const kinds = new Set(
      declaring.flatMap((f) =>
        f.protectedAdapters.map((a) => `${a.type}/${String(a.authentication?.type)}`),
      ),
    );
    // A new kind (REST, apikey, oauth2…) needs its own door check below before it counts.
    expect([...kinds]).toEqual(['mcp/bearer']);
  });

  it('reports every file that does not validate, with its first error', () => {
    for (const [file, error] of invalid)
      console.info(`not run (invalid): ${file}: ${error.rule}: ${error.message}`);
    expect([...invalid.keys()].sort()).toEqual(Object.keys(EXPECTED_INVALID).sort());
    for (const [file, expected] of Object.entries(EXPECTED_INVALID)) {
      expect(invalid.get(file)?.rule, expected.why).toBe(expected.rule);
      expect(invalid.get(file)?.message, expected.why).toContain(expected.message);
    }
  });

  it('enforces the declared lock of every engine-valid file', async () => {
    expect(valid.length).toBeGreaterThan(0);
    const doors = (
      await inPool(valid, CONCURRENCY, (ready) =>
        // A file that does not start is a failure listed with the others, not an abort.
        tryDoors(ready, upstream as CatchAllUpstream).catch((err: unknown) => [
          {
            file: ready.declaring.row.file,
            namespace: String(err),
            anonymous: 0,
            challenge: null,
            wrong: 0,
            right: 0,
            serverName: undefined,
          },
        ]),
      )
    ).flat();
    const enforced = doors.filter(
      (d) =>
        d.anonymous === 401 &&
        /^Bearer\b/.test(d.challenge ?? '') &&
        d.wrong === 401 &&
        d.right === 200 &&
        d.serverName === d.namespace,
    );
    console.info(
      `inbound auth: ${declaring.length} files declare it, ${valid.length} run, ` +
        `${new Set(enforced.map((d) => d.file)).size} enforced (${enforced.length} adapters), ` +
        `${invalid.size} invalid`,
    );
    expect(doors.filter((d) => !enforced.includes(d))).toEqual([]);
    expect(new Set(doors.map((d) => d.file)).size).toBe(valid.length);
    // Refused requests and initialize never reach an upstream.
    expect(upstream?.requests).toEqual([]);
  }, 180_000);
});
