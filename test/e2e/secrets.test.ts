/**
 * Bound values never leave the engine (contract §3, README "How a REST adapter behaves"): with
 * GONG_API_KEY set to a distinctive secret and `--log-level debug --log-format json`, every
 * response (status, headers, body) of every success and error path, and everything the process
 * writes to stdout and stderr, is searched for the secret in every encoding it could take.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { GongSandbox } from '../../examples/gong-sandbox/server.mjs';
import { startGongSandbox } from '../../examples/gong-sandbox/server.mjs';
import {
  ensureBuilt,
  freePort,
  occupyPort,
  runCapability,
  startCapability,
  stopAllCapabilities,
} from '../helpers/run-capability.js';
import type { RunningCapability } from '../helpers/run-capability.js';
import {
  CONSUMES_NS,
  REST_NS,
  RESOURCE,
  SEED,
  expectProblem,
  http,
  jsonRequest,
} from './support.js';
import type { HttpResult } from './support.js';

/** Distinctive, and with characters that JSON, URL and HTML encodings all change. */
const SECRET = 'tok_QZX7-"sec<ret>"\\core+/=~0451&x';
/** A fragment of the secret that nothing else produces (request ids are lower-case). */
const CORE = 'QZX7';
/** Every form the secret could take in a response or a log line. */
function formsOf(secret: string): string[] {
  return [
    secret,
    CORE,
    JSON.stringify(secret).slice(1, -1),
    encodeURIComponent(secret),
    Buffer.from(secret).toString('base64'),
    Buffer.from(secret).toString('base64url'),
    Buffer.from(secret).toString('hex'),
    secret
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;'),
  ];
}
/** A secret without characters JSON escapes (see the echo test). */
const PLAIN_SECRET = 'plain-QZX7-secret-0451';
const DEBUG_JSON = ['--log-level', 'debug', '--log-format', 'json'];

let sandbox: GongSandbox;
/** Everything a caller or an operator could see, labelled for the failure message. */
let transcript: { label: string; text: string }[] = [];

beforeAll(async () => {
  ensureBuilt();
  sandbox = await startGongSandbox({ port: 0, token: SECRET });
}, 120_000);

afterAll(async () => {
  await stopAllCapabilities();
  await sandbox?.close();
});

beforeEach(() => {
  sandbox.reset();
  transcript = [];
});

afterEach(async () => {
  await stopAllCapabilities();
});

function record(label: string, res: HttpResult): HttpResult {
  const headers = [...res.headers].map(([name, value]) => `${name}: ${value}`).join('\n');
  transcript.push({ label, text: `${res.status}\n${headers}\n\n${res.text}` });
  return res;
}

/** Stops the engine (exit 0 expected) and adds its stdout and stderr to the transcript. */
async function stopAndRecord(engine: RunningCapability): Promise<void> {
  expect(await engine.stop()).toBe(0);
  transcript.push({ label: 'stdout', text: engine.stdout() });
  transcript.push({ label: 'stderr', text: engine.stderr() });
}

function expectNoSecret(secret = SECRET): void {
  expect(transcript.length).toBeGreaterThan(0);
  for (const { label, text } of transcript) {
    for (const form of formsOf(secret)) {
      expect(text.includes(form), `${label} contains the secret (as "${form}"):\n${text}`).toBe(
        false,
      );
    }
  }
}

function start(base: string, extra: string[] = [], secret = SECRET): Promise<RunningCapability> {
  return startCapability(SEED, ['--base-uri', `${CONSUMES_NS}=${base}`, ...DEBUG_JSON, ...extra], {
    GONG_API_KEY: secret,
  });
}

describe('the secret never appears', () => {
  it('in responses and logs of the success and error paths', async () => {
    const engine = await start(sandbox.url, ['--timeout', '400']);
    const url = engine.url;
    const put = (body: unknown) => jsonRequest(url, 'PUT', RESOURCE, body);

    // Successes (the secret is really sent upstream, so a leak would be visible).
    const created = record('PUT', await put({ ownerEmail: 'a@example.com', name: 'One' }));
    expect(created.status).toBe(200);
    expect(sandbox.requests[0]?.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(record('GET', await http(url, 'GET', RESOURCE)).status).toBe(200);
    const id = String((created.json as { integrationId: number }).integrationId);
    const deleted = await http(url, 'DELETE', `${RESOURCE}?integrationId=${id}`);
    expect(record('DELETE', deleted).status).toBe(201);
    expect(record('openapi', await http(url, 'GET', '/openapi.json')).status).toBe(200);

    // Engine errors.
    expectProblem(record('400 input', await http(url, 'DELETE', RESOURCE)), 400, 'INPUT_INVALID');
    expectProblem(record('400 no body', await http(url, 'PUT', RESOURCE)), 400, 'INPUT_INVALID');
    expectProblem(record('400 json', await put('{"name": ')), 400, 'BODY_INVALID');
    expectProblem(record('413', await put({ name: 'x'.repeat(1_100_000) })), 413, 'BODY_TOO_LARGE');
    expectProblem(record('404 route', await http(url, 'GET', '/nope')), 404, 'ROUTE_NOT_FOUND');
    expectProblem(record('405', await http(url, 'POST', RESOURCE)), 405, 'METHOD_NOT_ALLOWED');

    // Upstream errors, kept as they came.
    expect(record('upstream 400', await put({})).status).toBe(400);
    const unknown = await http(url, 'DELETE', `${RESOURCE}?integrationId=999`);
    expect(record('upstream 404', unknown).status).toBe(404);
    sandbox.failNext(500);
    expect(record('upstream 500', await http(url, 'GET', RESOURCE)).status).toBe(500);

    // Transport failures (a GET is retried twice: every attempt is dropped).
    for (let i = 0; i < 3; i++) sandbox.failNext('disconnect');
    expectProblem(
      record('502 dropped', await http(url, 'GET', RESOURCE)),
      502,
      'UPSTREAM_UNREACHABLE',
    );
    sandbox.setDelay(1_200);
    expectProblem(record('504', await http(url, 'GET', RESOURCE)), 504, 'UPSTREAM_TIMEOUT');
    sandbox.setDelay(0);

    await stopAndRecord(engine);
    expect(engine.events.some((e) => e.level === 'debug')).toBe(true);
    expectNoSecret();
  });

  it('when the upstream refuses the token (401)', async () => {
    const strict = await startGongSandbox({ port: 0, token: 'the-token-the-upstream-wants' });
    try {
      const engine = await start(strict.url);
      const res = record('401', await http(engine.url, 'GET', RESOURCE));
      expect(res.status).toBe(401);
      expect(res.json).toEqual({
        requestId: expect.any(String),
        errors: ['Access denied: invalid bearer token'],
      });
      expect(strict.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${SECRET}`]);
      const put = await jsonRequest(engine.url, 'PUT', RESOURCE, {
        ownerEmail: 'a@b.co',
        name: 'x',
      });
      expect(record('401 PUT', put).status).toBe(401);
      await stopAndRecord(engine);
      expectNoSecret();
    } finally {
      await strict.close();
    }
  });

  it('when an upstream error body echoes the secret JSON-escaped', async () => {
    const engine = await start(sandbox.url, [], SECRET);
    sandbox.failNext(401, { errors: [`token ${SECRET} is not valid here`] });
    const res = record('echoed escaped 401', await http(engine.url, 'GET', RESOURCE));
    expect(res.status).toBe(401);
    expect((res.json as { errors: string[] }).errors[0]).toBe('token [redacted] is not valid here');
    await stopAndRecord(engine);
    expectNoSecret(SECRET);
  });

  it('when an upstream error body echoes the secret', async () => {
    const engine = await start(sandbox.url, [], PLAIN_SECRET);
    sandbox.failNext(401, { errors: [`token ${PLAIN_SECRET} is not valid here`] });
    const res = record('echoed 401', await http(engine.url, 'GET', RESOURCE));
    expect(res.status).toBe(401);
    expect((res.json as { errors: string[] }).errors[0]).toMatch(/^token .* is not valid here$/);
    sandbox.failNext(500, { errors: [`internal: ${PLAIN_SECRET}`] });
    expect(record('echoed 500', await http(engine.url, 'GET', RESOURCE)).status).toBe(500);
    await stopAndRecord(engine);
    expectNoSecret(PLAIN_SECRET);
  });

  it('when the upstream cannot be reached (502)', async () => {
    const engine = await start(`http://127.0.0.1:${await freePort()}/v2`);
    expectProblem(
      record('502', await http(engine.url, 'GET', RESOURCE)),
      502,
      'UPSTREAM_UNREACHABLE',
    );
    await stopAndRecord(engine);
    expectNoSecret();
  });

  it('in startup failures', async () => {
    const occupied = await occupyPort();
    try {
      const inUse = await runCapability(
        SEED,
        [
          '--base-uri',
          `${CONSUMES_NS}=${sandbox.url}`,
          ...DEBUG_JSON,
          '--port',
          `${REST_NS}=${occupied.port}`,
        ],
        { GONG_API_KEY: SECRET },
      );
      expect(inUse.code).toBe(2);
      transcript.push({ label: 'in use', text: inUse.stdout + inUse.stderr });
    } finally {
      await occupied.close();
    }
    const badUri = await runCapability(
      SEED,
      ['--base-uri', `${CONSUMES_NS}=ftp://x`, ...DEBUG_JSON],
      {
        GONG_API_KEY: SECRET,
      },
    );
    expect(badUri.code).toBe(2);
    transcript.push({ label: 'bad uri', text: badUri.stdout + badUri.stderr });
    expectNoSecret();
  });
});
