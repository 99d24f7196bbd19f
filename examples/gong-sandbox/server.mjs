#!/usr/bin/env node
/**
 * gong-sandbox — an in-memory, offline stand-in for Gong's CRM Integration API
 * (https://api.gong.io/v2, operations PUT/GET/DELETE /crm/integrations), the upstream of
 * specs/crm-crm-integration.yaml. Plain Node ESM, no dependencies beyond Node's built-ins.
 *
 * Run it:   node examples/gong-sandbox/server.mjs [--port N] [--host H] [--verbose]
 *           (port: --port, else env GONG_SANDBOX_PORT, else 8081; token: env GONG_API_KEY, else
 *           'sandbox-token'). SIGINT/SIGTERM close it.
 * Embed it: const sb = await startGongSandbox({ port: 0 }); ... await sb.close();
 *
 * The API, as documented by Gong (help.gong.io/apidocs, "Register / Get / Delete a Generic CRM
 * integration"); where the docs are silent the sandbox's choice is marked (sandbox):
 *   every request  Authorization: Bearer <token>, else 401. Errors are always
 *                  { "requestId": "<19 chars>", "errors": ["..."] }.
 *   PUT    /v2/crm/integrations   body { "ownerEmail": string, "name": string }, both required
 *                  → 200 { requestId, integrationId }  (integrationId is an int64 JSON number)
 *                  → 400 naming each missing/invalid field, or for a missing/malformed body
 *                  → 409 when another integration exists (Gong allows one at a time; delete it
 *                    first). Re-registering the same name+ownerEmail returns the existing id
 *                    (sandbox: idempotent PUT).
 *                  → 415 unless Content-Type is JSON (sandbox).
 *   GET    /v2/crm/integrations   → 200 { requestId, integrations: [{ integrationId, ownerEmail,
 *                    name }] }  ([] when none, sandbox)
 *   DELETE /v2/crm/integrations?integrationId=N[&clientRequestId=X]
 *                  → 201 { requestId, clientRequestId }  (Gong answers 201: the delete is
 *                    asynchronous there; the sandbox deletes at once). clientRequestId is
 *                    required by Gong but optional here unless requireClientRequestId is set, as
 *                    the capability marks it optional; when absent one is generated.
 *                  → 400 integrationId missing or not an integer; clientRequestId with characters
 *                    other than letters, digits, '-', '_'
 *                  → 404 no such integration (sandbox; Gong documents no 404)
 *                  → 409 clientRequestId already used by an earlier successful delete
 *   anything else  → 404 unknown path; 405 (with Allow) other method on /v2/crm/integrations.
 *
 * Test hooks on the handle returned by startGongSandbox (never driven by the HTTP request, so an
 * engine in front of the sandbox cannot trigger them by accident):
 *   requests          every request received, in order: { method, path, query, headers, body,
 *                     rawBody }. body is the parsed JSON when the body is JSON, else the raw text,
 *                     null when empty. Recorded on arrival, before any delay.
 *   integrations      the live Map<integrationId (decimal string), { integrationId, ownerEmail,
 *                     name }>; tests may read or seed it directly.
 *   setDelay(ms)      delay every later response by ms (0 = none); a client that gives up
 *                     meanwhile gets nothing written.
 *   failNext(status, { errors, headers })  the next request (any path, before auth) gets this
 *                     Gong-style error instead; queueable. failNext('disconnect') destroys the
 *                     socket instead of answering.
 *   reset()           forget integrations, requests, used clientRequestIds, delay and queued
 *                     failures.
 * Options: port (0 = any), host, token, seed ([{ ownerEmail, name, integrationId? }]),
 * largeIds (ids above 2^53, as real Gong ids are — tests an engine's int64 handling; default ids
 * stay below Number.MAX_SAFE_INTEGER), requireClientRequestId, log (fn(line) per request).
 */
import { Buffer } from 'node:buffer';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { clearTimeout, setTimeout } from 'node:timers';
import { fileURLToPath } from 'node:url';

const BASE_PATH = '/v2';
const RESOURCE_PATH = `${BASE_PATH}/crm/integrations`;
const ALLOWED_METHODS = ['GET', 'PUT', 'DELETE'];
const MAX_BODY_BYTES = 1024 * 1024;
const INT64_MAX = 2n ** 63n - 1n;
const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);
const CLIENT_REQUEST_ID_PATTERN = /^[A-Za-z0-9_-]+$/;
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const REQUIRED_FIELDS = ['ownerEmail', 'name'];
const DEFAULT_PORT = 8081;

/** Default error messages for failNext(status) by status, Gong's wording where it has one. */
const DEFAULT_FAILURE_MESSAGES = {
  400: 'Malformed request',
  401: 'Access denied',
  429: 'API request limit exceeded',
  500: 'Failed to complete the operation due to an unexpected error',
  502: 'Bad gateway',
  503: 'Service unavailable',
};

/** A Gong-looking request reference id: 19 lowercase letters and digits ("4al018gzaztcr8nbukw"). */
function newRequestId() {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let id = '';
  for (const byte of randomBytes(19)) id += alphabet[byte % alphabet.length];
  return id;
}

/** A random BigInt in [min, max]. */
function randomBigInt(min, max) {
  const span = max - min + 1n;
  return min + (randomBytes(8).readBigUInt64BE() % span);
}

/** Serializes a response body; BigInt values become raw JSON integers (Gong's int64 ids). */
function toJson(value) {
  const marker = `@@int64-${randomBytes(6).toString('hex')}:`;
  const text = JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? `${marker}${v}` : v));
  return text.replace(new RegExp(`"${marker}(-?\\d+)"`, 'g'), '$1');
}

/** URLSearchParams → plain object; a repeated key becomes an array of its values. */
function queryObject(searchParams) {
  const query = {};
  for (const [key, value] of searchParams) {
    const prior = query[key];
    if (prior === undefined) query[key] = value;
    else query[key] = Array.isArray(prior) ? [...prior, value] : [prior, value];
  }
  return query;
}

function firstQueryValue(query, key) {
  const value = query[key];
  return Array.isArray(value) ? value[0] : value;
}

function isJsonContentType(contentType) {
  if (!contentType) return false;
  const mediaType = contentType.split(';')[0].trim().toLowerCase();
  return mediaType === 'application/json' || mediaType.endsWith('+json');
}

function sameToken(given, expected) {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Normalizes an integrationId (string, number or BigInt) to its decimal string, or null. */
function normalizeIntegrationId(raw) {
  const text = String(raw).trim();
  if (!/^\d+$/.test(text)) return null;
  const value = BigInt(text);
  return value <= INT64_MAX ? value.toString() : null;
}

/**
 * Starts the sandbox.
 * @param {object} [options]
 * @param {number} [options.port=0] TCP port; 0 picks a free one.
 * @param {string} [options.host='127.0.0.1']
 * @param {string} [options.token] Bearer token to accept; env GONG_API_KEY, else 'sandbox-token'.
 * @param {Array<{ownerEmail: string, name: string, integrationId?: string|number|bigint}>} [options.seed]
 * @param {boolean} [options.largeIds=false] Generate ids above 2^53 like real Gong.
 * @param {boolean} [options.requireClientRequestId=false] Make DELETE require clientRequestId, as Gong does.
 * @param {(line: string) => void} [options.log] Called once per answered request.
 */
export async function startGongSandbox({
  port = 0,
  host = '127.0.0.1',
  token = process.env.GONG_API_KEY ?? 'sandbox-token',
  seed = [],
  largeIds = false,
  requireClientRequestId = false,
  log,
} = {}) {
  if (typeof token !== 'string' || token.length === 0) {
    throw new TypeError('gong-sandbox: token must be a non-empty string');
  }

  /** @type {Map<string, {integrationId: string, ownerEmail: string, name: string}>} */
  const integrations = new Map();
  const requests = [];
  const usedClientRequestIds = new Set();
  const pendingTimers = new Set();
  let failures = [];
  let delayMs = 0;
  let closed = false;

  function newIntegrationId() {
    for (;;) {
      const id = largeIds
        ? randomBigInt(SAFE_MAX + 1n, INT64_MAX)
        : randomBigInt(10n ** 15n, SAFE_MAX);
      if (!integrations.has(id.toString())) return id.toString();
    }
  }

  function addIntegration({ ownerEmail, name, integrationId }) {
    const id =
      integrationId === undefined ? newIntegrationId() : normalizeIntegrationId(integrationId);
    if (id === null)
      throw new TypeError(`gong-sandbox: invalid seed integrationId ${integrationId}`);
    const record = { integrationId: id, ownerEmail, name };
    integrations.set(id, record);
    return record;
  }

  for (const entry of seed) addIntegration(entry);

  function send(res, status, body, headers = {}) {
    if (res.writableEnded || res.destroyed) return;
    const text = toJson(body);
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      ...headers,
    });
    res.end(text);
  }

  function sendError(res, status, errors, headers) {
    send(res, status, { requestId: newRequestId(), errors }, headers);
  }

  function wait(ms, res) {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        pendingTimers.delete(entry);
        resolve();
      }, ms);
      const entry = { timer, resolve };
      pendingTimers.add(entry);
      res.once('close', () => {
        clearTimeout(timer);
        pendingTimers.delete(entry);
        resolve();
      });
    });
  }

  function checkAuth(req) {
    const header = req.headers.authorization;
    if (header === undefined || header.trim() === '') {
      return 'Access denied: the Authorization header is missing';
    }
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (!match) return "Access denied: expected 'Authorization: Bearer <token>'";
    if (!sameToken(match[1].trim(), token)) return 'Access denied: invalid bearer token';
    return null;
  }

  function handlePut(req, res, record) {
    if (!isJsonContentType(req.headers['content-type'])) {
      sendError(res, 415, [
        `Content type '${req.headers['content-type'] ?? '(none)'}' not supported; use application/json`,
      ]);
      return;
    }
    if (record.rawBody.trim() === '') {
      sendError(res, 400, [
        `Required request body is missing; expected a JSON object with ${REQUIRED_FIELDS.join(', ')}`,
      ]);
      return;
    }
    let body;
    try {
      body = JSON.parse(record.rawBody);
    } catch (err) {
      sendError(res, 400, [`Malformed JSON request body: ${err.message}`]);
      return;
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      sendError(res, 400, ['Request body must be a JSON object']);
      return;
    }
    const errors = [];
    for (const field of REQUIRED_FIELDS) {
      const value = body[field];
      if (value === undefined || value === null) errors.push(`Missing required field: ${field}`);
      else if (typeof value !== 'string') errors.push(`Field ${field} must be a string`);
      else if (value.trim() === '') errors.push(`Field ${field} must not be blank`);
    }
    if (typeof body.ownerEmail === 'string' && body.ownerEmail.trim() !== '') {
      if (!EMAIL_PATTERN.test(body.ownerEmail)) {
        errors.push('Field ownerEmail must be a valid email address');
      }
    }
    if (errors.length > 0) {
      sendError(res, 400, errors);
      return;
    }
    const existing = [...integrations.values()][0];
    if (existing) {
      if (existing.ownerEmail === body.ownerEmail && existing.name === body.name) {
        send(res, 200, {
          requestId: newRequestId(),
          integrationId: BigInt(existing.integrationId),
        });
        return;
      }
      sendError(res, 409, [
        `A CRM integration already exists (integrationId ${existing.integrationId}); ` +
          'multiple CRM integrations are not supported, delete it first with DELETE /v2/crm/integrations',
      ]);
      return;
    }
    const created = addIntegration({ ownerEmail: body.ownerEmail, name: body.name });
    send(res, 200, { requestId: newRequestId(), integrationId: BigInt(created.integrationId) });
  }

  function handleGet(res) {
    send(res, 200, {
      requestId: newRequestId(),
      integrations: [...integrations.values()].map((i) => ({
        integrationId: BigInt(i.integrationId),
        ownerEmail: i.ownerEmail,
        name: i.name,
      })),
    });
  }

  function handleDelete(res, record) {
    const rawId = firstQueryValue(record.query, 'integrationId');
    let clientRequestId = firstQueryValue(record.query, 'clientRequestId');
    const errors = [];
    let id = null;
    if (rawId === undefined || rawId.trim() === '') {
      errors.push('Missing required query parameter: integrationId');
    } else {
      id = normalizeIntegrationId(rawId);
      if (id === null)
        errors.push(`Query parameter integrationId must be an int64 integer: ${rawId}`);
    }
    if (clientRequestId === undefined || clientRequestId === '') {
      if (requireClientRequestId) errors.push('Missing required query parameter: clientRequestId');
      clientRequestId = undefined;
    } else if (!CLIENT_REQUEST_ID_PATTERN.test(clientRequestId)) {
      errors.push(
        'Query parameter clientRequestId may contain only letters, numbers, dashes and underscores',
      );
    }
    if (errors.length > 0) {
      sendError(res, 400, errors);
      return;
    }
    if (clientRequestId !== undefined && usedClientRequestIds.has(clientRequestId)) {
      sendError(res, 409, [`Client request id has already been used: ${clientRequestId}`]);
      return;
    }
    if (!integrations.has(id)) {
      sendError(res, 404, [`CRM integration ${id} not found`]);
      return;
    }
    integrations.delete(id);
    const effectiveClientRequestId = clientRequestId ?? `sandbox-${newRequestId()}`;
    usedClientRequestIds.add(effectiveClientRequestId);
    send(res, 201, { requestId: newRequestId(), clientRequestId: effectiveClientRequestId });
  }

  async function handle(req, res, rawBody, tooLarge) {
    const started = Date.now();
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    let body = null;
    if (rawBody !== '') {
      try {
        body = JSON.parse(rawBody);
      } catch {
        body = rawBody;
      }
    }
    const record = {
      method: req.method,
      path: url.pathname,
      query: queryObject(url.searchParams),
      headers: { ...req.headers },
      body,
      rawBody,
    };
    requests.push(record);
    if (log) {
      res.once('finish', () => {
        log(`${req.method} ${req.url} -> ${res.statusCode} (${Date.now() - started} ms)`);
      });
    }

    if (delayMs > 0) await wait(delayMs, res);
    if (closed || res.destroyed || res.writableEnded) return;

    const failure = failures.shift();
    if (failure) {
      if (failure.status === 'disconnect') {
        req.socket.destroy();
        return;
      }
      sendError(res, failure.status, failure.errors, failure.headers);
      return;
    }

    const authError = checkAuth(req);
    if (authError) {
      sendError(res, 401, [authError], { 'www-authenticate': 'Bearer realm="gong-sandbox"' });
      return;
    }
    if (tooLarge) {
      sendError(res, 413, [`Request body exceeds ${MAX_BODY_BYTES} bytes`]);
      return;
    }
    if (url.pathname !== RESOURCE_PATH) {
      sendError(res, 404, [`No such endpoint: ${req.method} ${url.pathname}`]);
      return;
    }
    switch (req.method) {
      case 'PUT':
        handlePut(req, res, record);
        return;
      case 'GET':
        handleGet(res);
        return;
      case 'DELETE':
        handleDelete(res, record);
        return;
      default:
        sendError(res, 405, [`Method ${req.method} is not supported on ${RESOURCE_PATH}`], {
          allow: ALLOWED_METHODS.join(', '),
        });
    }
  }

  const server = http.createServer((req, res) => {
    const chunks = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => {
      const rawBody = tooLarge ? '' : Buffer.concat(chunks).toString('utf8');
      handle(req, res, rawBody, tooLarge).catch((err) => {
        sendError(res, 500, [`Sandbox failure: ${err instanceof Error ? err.message : err}`]);
      });
    });
    req.on('error', () => res.destroy());
  });
  const sockets = new Set();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });

  const address = server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let closing;

  return {
    url: `http://${urlHost}:${boundPort}${BASE_PATH}`,
    port: boundPort,
    host,
    token,
    requests,
    integrations,
    setDelay(ms) {
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
        throw new TypeError('gong-sandbox: setDelay(ms) needs a finite number >= 0');
      }
      delayMs = ms;
    },
    failNext(status = 500, { errors, headers } = {}) {
      if (status !== 'disconnect' && !(Number.isInteger(status) && status >= 400 && status < 600)) {
        throw new TypeError(
          "gong-sandbox: failNext(status) needs a 4xx/5xx status or 'disconnect'",
        );
      }
      failures.push({
        status,
        errors: errors ?? [DEFAULT_FAILURE_MESSAGES[status] ?? `Injected failure (HTTP ${status})`],
        headers: headers ?? {},
      });
    },
    reset() {
      integrations.clear();
      requests.length = 0;
      usedClientRequestIds.clear();
      failures = [];
      delayMs = 0;
    },
    close() {
      if (!closing) {
        closed = true;
        closing = new Promise((resolve) => {
          for (const { timer, resolve: wake } of pendingTimers) {
            clearTimeout(timer);
            wake();
          }
          pendingTimers.clear();
          server.close(() => resolve());
          for (const socket of sockets) socket.destroy();
        });
      }
      return closing;
    },
  };
}

/** Parses `--port N`, `--port=N`, `--host H`, `--verbose`; returns options or throws. */
function parseArgs(argv, env) {
  const options = { port: undefined, host: '127.0.0.1', verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? arg.split(/=(.*)/s) : [arg];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '--port' || flag === '-p') options.port = value();
    else if (flag === '--host') options.host = value();
    else if (flag === '--verbose' || flag === '-v') options.verbose = true;
    else if (flag === '--help' || flag === '-h') options.help = true;
    else throw new Error(`unknown argument: ${arg}`);
  }
  const rawPort = options.port ?? env.GONG_SANDBOX_PORT ?? String(DEFAULT_PORT);
  const port = Number(rawPort);
  if (!/^\d+$/.test(String(rawPort).trim()) || port > 65535) {
    throw new Error(`invalid port: ${rawPort}`);
  }
  return { ...options, port };
}

async function main() {
  let options;
  try {
    options = parseArgs(process.argv.slice(2), process.env);
  } catch (err) {
    console.error(`gong-sandbox: ${err.message}`);
    console.error('usage: node examples/gong-sandbox/server.mjs [--port N] [--host H] [--verbose]');
    process.exitCode = 2;
    return;
  }
  if (options.help) {
    console.log('usage: node examples/gong-sandbox/server.mjs [--port N] [--host H] [--verbose]');
    console.log('env: GONG_SANDBOX_PORT (default 8081), GONG_API_KEY (default sandbox-token)');
    return;
  }
  const sandbox = await startGongSandbox({
    port: options.port,
    host: options.host,
    log: options.verbose ? (line) => console.log(line) : undefined,
  });
  console.log(`gong-sandbox listening on ${sandbox.url} (token: ${sandbox.token.slice(0, 4)}…)`);
  let stopping = false;
  const shutdown = () => {
    // A second signal, or a close that takes over 2 s, ends the process regardless.
    if (stopping) process.exit(130);
    stopping = true;
    setTimeout(() => process.exit(0), 2000).unref();
    sandbox.close().then(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

const invokedPath = process.argv[1] ? path.resolve(process.argv[1]) : '';
if (invokedPath === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(`gong-sandbox: ${err instanceof Error ? err.message : err}`);
    process.exit(1);
  });
}
