// Shared logic of the corpus run check (scripts/corpus-run.mjs and test/corpus/corpus-run.test.ts):
// run a capability with the built CLI (dist/) against a catch-all local upstream, call every REST
// operation it declares with a request built from the adapter's /openapi.json (openapi-plan.mjs),
// and record each answer's status class (statusClass: issue 10's criterion is non-4xx); the known
// exceptions (corpus-exceptions.mjs) say which failures the corpus files themselves explain.
//
// Traffic never leaves the loopback interface: every consumes namespace is pointed at the
// catch-all upstream with `--base-uri '*=…'`, the CLI runs with a preloaded guard that refuses any
// outgoing connection to a host other than 127.0.0.1 / localhost / ::1 (and reports it on
// stderr), and this module only calls adapter URLs on those hosts.
/* global setTimeout, clearTimeout, Buffer */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { knownException } from './corpus-exceptions.mjs';
import { planRequest, plausible } from './openapi-plan.mjs';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CORPUS_DIR = path.resolve(REPO_ROOT, '../shared/corpus');
export const CLI_MAIN = path.join(REPO_ROOT, 'dist', 'cli', 'main.js');

/** Milliseconds a capability gets to print `capability.ready`. */
export const START_TIMEOUT_MS = 10_000;
/** Milliseconds one REST call may take. */
export const REQUEST_TIMEOUT_MS = 15_000;
/** Milliseconds between SIGTERM and SIGKILL (the CLI drains in-flight requests for up to 10 s). */
export const STOP_TIMEOUT_MS = 12_000;
/** Milliseconds a started capability must stay up after `capability.ready` (at least). */
export const SETTLE_MS = 300;

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export const GUARD_MARKER = 'corpus-run-guard: blocked outgoing connection to';

/**
 * Preloaded into every CLI process (`node --import <data: URL>`): an outgoing TCP/TLS connection
 * to any host but the loopback one fails (ECONNREFUSED) and is reported on stderr.
 */
const GUARD_SOURCE = `
import net from 'node:net';
const allowed = new Set(${JSON.stringify([...LOOPBACK_HOSTS])});
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  let host = 'localhost';
  let port = '';
  if (first !== null && typeof first === 'object') {
    if (typeof first.path === 'string') return connect.apply(this, args);
    host = first.host ?? 'localhost';
    port = first.port ?? '';
  } else if (typeof first === 'number' || /^\\d+$/.test(String(first))) {
    port = first;
    host = typeof args[1] === 'string' ? args[1] : 'localhost';
  } else if (typeof first === 'string') {
    return connect.apply(this, args);
  }
  if (allowed.has(String(host))) return connect.apply(this, args);
  process.stderr.write(${JSON.stringify(GUARD_MARKER)} + ' ' + host + ':' + port + '\\n');
  const error = Object.assign(new Error('connection to ' + host + ' blocked by the corpus-run guard'), { code: 'ECONNREFUSED' });
  process.nextTick(() => this.destroy(error));
  return this;
};
`;
const GUARD_URL = `data:text/javascript,${encodeURIComponent(GUARD_SOURCE)}`;

// ---------------------------------------------------------------------------------------------
// The catch-all upstream

/** The JSON every upstream call gets: an object with the fields and arrays mappings look for. */
export const CATCH_ALL_JSON = Object.freeze({
  id: '1',
  name: 'abc',
  title: 'abc',
  status: 'ok',
  type: 'object',
  email: 'user@example.com',
  created: '2024-01-01T00:00:00Z',
  total: 1,
  count: 1,
  has_more: false,
  items: [{ id: '1', name: 'abc' }],
  data: [{ id: '1', name: 'abc' }],
  results: [{ id: '1', name: 'abc' }],
  records: [{ id: '1', name: 'abc' }],
  value: [{ id: '1', name: 'abc' }],
});

const ROWS = [
  ['id', 'name', 'status'],
  ['1', 'abc', 'ok'],
  ['2', 'def', 'ok'],
];

/** The body for the first media type of an `Accept` header the engine sends per outputRawFormat. */
function catchAllBody(accept) {
  const type = (accept ?? '').split(',')[0].trim().toLowerCase();
  if (type.includes('xml')) {
    const items = ROWS.slice(1)
      .map((r) => `<item><id>${r[0]}</id><name>${r[1]}</name><status>${r[2]}</status></item>`)
      .join('');
    return [
      'application/xml',
      `<?xml version="1.0"?><root><id>1</id><name>abc</name><status>ok</status><items>${items}</items></root>`,
    ];
  }
  if (type.includes('yaml')) {
    return [
      'application/yaml',
      'id: "1"\nname: abc\nstatus: ok\nitems:\n  - id: "1"\n    name: abc\ndata:\n  - id: "1"\n    name: abc\n',
    ];
  }
  if (type === 'text/csv') return ['text/csv', ROWS.map((r) => r.join(',')).join('\n') + '\n'];
  if (type === 'text/tab-separated-values') {
    return ['text/tab-separated-values', ROWS.map((r) => r.join('\t')).join('\n') + '\n'];
  }
  if (type === 'text/plain') return ['text/plain', ROWS.map((r) => r.join('|')).join('\n') + '\n'];
  if (type === 'text/html') {
    const cells = (r, tag) => `<tr>${r.map((c) => `<${tag}>${c}</${tag}>`).join('')}</tr>`;
    return [
      'text/html',
      `<html><body><h1>abc</h1><table>${cells(ROWS[0], 'th')}${ROWS.slice(1)
        .map((r) => cells(r, 'td'))
        .join('')}</table></body></html>`,
    ];
  }
  if (type === 'text/markdown') {
    const line = (r) => `| ${r.join(' | ')} |`;
    return [
      'text/markdown',
      `# abc\n\n${line(ROWS[0])}\n| --- | --- | --- |\n${ROWS.slice(1).map(line).join('\n')}\n`,
    ];
  }
  // protobuf: an empty message is a valid message of any type; avro has no schema-free form.
  if (type.includes('protobuf') || type.includes('avro')) return [type, ''];
  return ['application/json', JSON.stringify(CATCH_ALL_JSON)];
}

/**
 * Starts the catch-all upstream: node:http on 127.0.0.1, port 0, answering every method and path
 * with 200 and a plausible body (JSON unless the `Accept` header asks for another format the
 * engine decodes), recording each request.
 */
export function startCatchAllUpstream() {
  const requests = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: { ...req.headers },
        body: body.length > 500 ? `${body.slice(0, 500)}…` : body,
      });
      const [type, text] = catchAllBody(req.headers.accept);
      res.writeHead(200, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
      res.end(req.method === 'HEAD' ? undefined : text);
    });
  });
  server.keepAliveTimeout = 1_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        url: `http://127.0.0.1:${port}`,
        port,
        requests,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections?.();
            server.close(() => done());
          }),
      });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Corpus files

/** Rows of INDEX.tsv as `{ file, absolutePath }`, in index order. */
export function readCorpusFiles(corpusDir = CORPUS_DIR) {
  const [header = '', ...lines] = readFileSync(path.join(corpusDir, 'INDEX.tsv'), 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '');
  const column = header.split('\t').indexOf('file');
  return lines.map((line) => {
    const file = line.split('\t')[column];
    return { file, absolutePath: path.join(corpusDir, file) };
  });
}

/** The built validator (dist/spec/validate.js); run `npm run build` first. */
export async function loadValidator() {
  const mod = await import(pathToFileURL(path.join(REPO_ROOT, 'dist/spec/validate.js')).href);
  return mod.createValidator();
}

/**
 * The corpus files that pass engine-level validation (their result has `capability`), with their
 * loaded documents, sorted by name. The validator is dist/'s unless one is given.
 */
export async function engineValidFiles(corpusDir = CORPUS_DIR, validator = undefined) {
  validator ??= await loadValidator();
  const valid = [];
  for (const row of readCorpusFiles(corpusDir)) {
    const result = await validator.validateFile(row.absolutePath);
    if (result.capability !== undefined) valid.push({ ...row, doc: result.capability.doc });
  }
  return valid.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

/** The REST adapters a document exposes. */
export function restAdapters(doc) {
  return (doc.capability?.exposes ?? []).filter((a) => a.type === 'rest');
}

/** Every binding of a document (root and capability level). */
export function bindingsOf(doc) {
  return [...(doc.binds ?? []), ...(doc.capability?.binds ?? [])];
}

/** Bindings read from a location (file:// and others) rather than the environment. */
export function locatedBindings(doc) {
  return bindingsOf(doc).filter((b) => b.location !== undefined);
}

/** A dummy secret for a provider key: distinctive, so that redaction cannot hit other text. */
export function dummySecret(key) {
  return `dummy-${String(key)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')}-7f3a`;
}

/**
 * The environment a capability runs with: PATH, a dummy secret for every environment-bound key,
 * and a plausible value for every consumed `in: environment` parameter.
 */
export function environmentFor(doc) {
  const env = { PATH: process.env.PATH ?? '', NO_COLOR: '1', FORCE_COLOR: '0' };
  for (const binding of bindingsOf(doc)) {
    if (binding.location !== undefined) continue;
    for (const key of Object.values(binding.keys ?? {})) env[String(key)] = dummySecret(key);
  }
  const consumes = [...(doc.consumes ?? []), ...(doc.capability?.consumes ?? [])];
  for (const block of consumes) {
    for (const resource of block.resources ?? []) {
      for (const op of resource.operations ?? []) {
        for (const p of [...(resource.inputParameters ?? []), ...(op.inputParameters ?? [])]) {
          if (p.in === 'environment' && env[p.name] === undefined) {
            env[p.name] = String(plausible(p.name, p.type));
          }
        }
      }
    }
  }
  return env;
}

// ---------------------------------------------------------------------------------------------
// The request plan (from the adapter's /openapi.json): openapi-plan.mjs

export { asText, planRequest, plausible, valueForSchema } from './openapi-plan.mjs';
export { KNOWN_EXCEPTIONS, knownException } from './corpus-exceptions.mjs';

const PLACEHOLDER = /\{\{\s*([^{}\s]+)\s*\}\}|\{([^{}\s]+)\}/g;

// ---------------------------------------------------------------------------------------------
// HTTP client (node:http, so that any method may carry a body), loopback only

function assertLoopback(url) {
  const host = new URL(url).hostname;
  if (!LOOPBACK_HOSTS.has(host)) throw new Error(`refusing to call non-loopback host ${host}`);
}

/** One HTTP request; resolves `{ status, headers, text }` or `{ error }`. */
export function httpCall(
  url,
  { method = 'GET', headers = {}, body, timeoutMs = REQUEST_TIMEOUT_MS },
) {
  assertLoopback(url);
  return new Promise((resolve) => {
    const payload = body === undefined ? undefined : Buffer.from(body, 'utf8');
    const req = http.request(
      url,
      {
        method,
        headers: {
          ...headers,
          ...(payload !== undefined ? { 'content-length': payload.length } : {}),
          connection: 'close',
        },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', (err) => resolve({ error: err.message }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err) => resolve({ error: err.message }));
    req.end(payload);
  });
}

function problemOf(text) {
  try {
    const value = JSON.parse(text);
    if (value !== null && typeof value === 'object') {
      return {
        ...(typeof value.code === 'string' ? { code: value.code } : {}),
        ...(typeof value.detail === 'string' ? { detail: value.detail } : {}),
      };
    }
  } catch {
    // not JSON
  }
  return {};
}

// ---------------------------------------------------------------------------------------------
// Running one capability

/**
 * Spawns `naftiko run <file> --base-uri '*=<upstream>' --port '*=0' --log-format json` and waits
 * for `capability.ready`, the process's exit, or the start timeout.
 */
function startCapability(absolutePath, upstreamUrl, env, startTimeoutMs) {
  const child = spawn(
    process.execPath,
    [
      '--import',
      GUARD_URL,
      CLI_MAIN,
      'run',
      absolutePath,
      '--base-uri',
      `*=${upstreamUrl}`,
      '--port',
      '*=0',
      '--log-format',
      'json',
    ],
    // stdin stays open (never written): an MCP stdio adapter ends when its stdin ends.
    { cwd: REPO_ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  child.stdin.on('error', () => {}); // EPIPE once the process has ended
  const state = { child, events: [], stdout: '', stderr: '', exit: undefined };
  live.add(child);
  const exited = new Promise((resolve) => {
    child.on('close', (code, signal) => {
      live.delete(child);
      state.exit = { code, signal };
      resolve(state.exit);
    });
    child.on('error', (err) => {
      state.stderr += `spawn error: ${err.message}\n`;
    });
  });
  state.exited = exited;
  let onReady;
  const ready = new Promise((resolve) => (onReady = resolve));
  // JSON log lines come on stdout, or on stderr when an MCP adapter owns stdout (stdio transport).
  const lines = (stream, append) => {
    let buffer = '';
    stream.setEncoding('utf8').on('data', (chunk) => {
      append(chunk);
      buffer += chunk;
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (!line.startsWith('{')) continue;
        let event;
        try {
          event = JSON.parse(line);
        } catch {
          continue;
        }
        if (typeof event.event !== 'string') continue;
        state.events.push(event);
        if (event.event === 'capability.ready') onReady('ready');
      }
    });
  };
  lines(child.stdout, (chunk) => (state.stdout += chunk));
  lines(child.stderr, (chunk) => (state.stderr += chunk));
  let timer;
  const outcome = Promise.race([
    ready,
    exited.then(() => 'exited'),
    new Promise((resolve) => (timer = setTimeout(() => resolve('timeout'), startTimeoutMs))),
  ]).finally(() => clearTimeout(timer));
  return { state, outcome };
}

/** CLI processes started and not yet ended. */
const live = new Set();

/** Kills (SIGKILL) every CLI process this module started that is still running. */
export function killAllCapabilities() {
  for (const child of live) child.kill('SIGKILL');
}

/** SIGTERM, then SIGKILL after STOP_TIMEOUT_MS; resolves the exit `{ code, signal }`. */
async function stopCapability(state) {
  if (state.exit !== undefined) return state.exit;
  state.child.kill('SIGTERM');
  state.child.stdin.end();
  let timer;
  const killed = new Promise((resolve) => {
    timer = setTimeout(() => {
      state.child.kill('SIGKILL');
      resolve();
    }, STOP_TIMEOUT_MS);
  });
  await Promise.race([state.exited, killed]);
  clearTimeout(timer);
  const exit = await state.exited;
  return { ...exit, forced: exit.signal === 'SIGKILL' };
}

/** A start failure's reason, with its specifics (names, values, paths) blanked out. */
export function startFailureReason(result) {
  if (result.start === 'timeout') return `TIMEOUT: no capability.ready within the start timeout`;
  const line =
    result.stderr
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.startsWith('naftiko:'))
      .pop() ??
    result.stderr.trim().split('\n').pop() ??
    '';
  const code = /\[([A-Z_]+)\]\s*$/.exec(line)?.[1] ?? `exit ${result.exit?.code ?? '?'}`;
  const message = line
    .replace(/^naftiko:\s*/, '')
    .replace(/\s*\[[A-Z_]+\]\s*$/, '')
    .replace(/"[^"]*"/g, '"…"')
    .replace(/\b[A-Z][A-Z0-9_]{2,}\b/g, 'VAR')
    .replace(/(file:\/\/|\.?\/)[^\s)]+/g, '<path>')
    .replace(/\/[^\s)]+\.(ya?ml|json|env)\b/g, '<path>');
  return `${code}: ${message || '(no message)'}`;
}

/**
 * Runs one capability file: start it, call every REST operation of every REST adapter (and probe
 * `forward` resources), stop it. Never throws; everything is in the result.
 */
export async function runCapabilityFile(entry, upstreamUrl, options = {}) {
  const startTimeoutMs = options.startTimeoutMs ?? START_TIMEOUT_MS;
  const doc = entry.doc;
  const { state, outcome } = startCapability(
    entry.absolutePath,
    upstreamUrl,
    environmentFor(doc),
    startTimeoutMs,
  );
  const started = Date.now();
  const start = await outcome;
  const readyAt = Date.now();
  const result = {
    file: entry.file,
    start,
    started: start === 'ready',
    locatedBindings: locatedBindings(doc).map((b) => b.location),
    exitedBeforeStop: false,
    adapters: [],
    operations: [],
    forwards: [],
    stderr: '',
    exit: undefined,
    stop: undefined,
    internalLogs: [],
    guardBlocked: [],
    ms: 0,
  };
  try {
    if (start === 'ready') {
      const listening = state.events.filter((e) => e.event === 'adapter.listening');
      for (const adapter of restAdapters(doc)) {
        const info = listening.find((e) => e.type === 'rest' && e.namespace === adapter.namespace);
        const record = {
          namespace: adapter.namespace,
          url: info?.url,
          openapi: false,
          openapiError: undefined,
        };
        result.adapters.push(record);
        if (info?.url === undefined) {
          record.openapiError = 'no adapter.listening event';
          continue;
        }
        let openapi;
        const described = await httpCall(`${info.url}/openapi.json`, {});
        if (described.status === 200) {
          try {
            openapi = JSON.parse(described.text);
            record.openapi = true;
          } catch {
            record.openapiError = 'openapi.json is not JSON';
          }
        } else {
          record.openapiError = described.error ?? `GET /openapi.json → ${described.status}`;
        }
        await callAdapter(result, adapter, info.url, openapi);
      }
      // A running capability stays up until it is told to stop.
      const settle = readyAt + SETTLE_MS - Date.now();
      if (settle > 0 && state.exit === undefined) await delay(settle);
      result.exitedBeforeStop = state.exit !== undefined;
    }
  } finally {
    result.stop = await stopCapability(state);
    result.exit = state.exit;
    result.stderr = state.stderr.length > 4000 ? `${state.stderr.slice(0, 4000)}…` : state.stderr;
    result.internalLogs = state.events.filter(
      (e) => e.event === 'request.failed' || (e.level === 'error' && e.event !== undefined),
    );
    result.guardBlocked = state.stderr
      .split('\n')
      .filter((l) => l.startsWith(GUARD_MARKER))
      .map((l) => l.slice(GUARD_MARKER.length).trim());
    result.ms = Date.now() - started;
  }
  return result;
}

async function callAdapter(result, adapter, baseUrl, openapi) {
  for (const resource of adapter.resources ?? []) {
    if (resource.forward) {
      const specPath = resource.path.startsWith('/') ? resource.path : `/${resource.path}`;
      const pathText = specPath.replace(PLACEHOLDER, () => 'abc').replace(/\/$/, '');
      for (const target of [pathText || '/', `${pathText}/sub/resource?q=abc`]) {
        const response = await httpCall(`${baseUrl}${target}`, { method: 'GET' });
        result.forwards.push({
          adapter: adapter.namespace,
          path: resource.path,
          method: 'GET',
          target,
          status: response.status ?? 0,
          ...(response.error ? { error: response.error } : {}),
          ...problemOf(response.text ?? ''),
        });
      }
      continue;
    }
    for (const operation of resource.operations ?? []) {
      const plan = planRequest(adapter, resource, operation, openapi);
      const response = await httpCall(`${baseUrl}${plan.target}`, plan);
      const op = {
        adapter: adapter.namespace,
        operation: operation.name,
        method: plan.method,
        path: plan.path,
        target: plan.target,
        ...(Object.keys(plan.headers).length > 0 ? { headers: plan.headers } : {}),
        ...(plan.body !== undefined ? { body: plan.body } : {}),
        openapi: plan.openapi,
        ...outcomeOf(response),
      };
      result.operations.push({ ...op, outcome: statusClass(op) });
    }
  }
}

function outcomeOf(response) {
  const status = response.status ?? 0;
  return {
    status,
    ...(response.error ? { error: response.error } : {}),
    ...(status >= 400 ? problemOf(response.text ?? '') : {}),
    ...(status >= 400 && !response.text?.startsWith('{')
      ? { text: (response.text ?? '').slice(0, 300) }
      : {}),
  };
}

/** Engine codes that report the upstream's failure honestly (contract §5: transport failures). */
const UPSTREAM_CODES = new Set([
  'UPSTREAM_UNREACHABLE',
  'UPSTREAM_TIMEOUT',
  'UPSTREAM_BAD_RESPONSE',
]);

/**
 * The class of a REST call's answer (issue 10's criterion is "non-4xx"):
 * - `ok`: 2xx or 3xx;
 * - `client-error`: 4xx (the engine refused the request built from its own /openapi.json);
 * - `upstream-relay`: a 5xx that relays the upstream — an upstream status and body passed through
 *   (no engine problem code) or an UPSTREAM_* transport failure;
 * - `engine-error`: any other 5xx (the engine's own problem code: INTERNAL, SPEC_INVALID, ...);
 * - `no-answer`: no HTTP answer at all (connection error, timeout).
 */
export function statusClass(op) {
  if (op.status === 0) return 'no-answer';
  if (op.status < 400) return 'ok';
  if (op.status < 500) return 'client-error';
  return op.code === undefined || UPSTREAM_CODES.has(op.code) ? 'upstream-relay' : 'engine-error';
}

/** Whether a REST call meets the criterion: an HTTP answer that is not a 4xx. */
export function nonClientError(op) {
  const outcome = statusClass(op);
  return outcome !== 'client-error' && outcome !== 'no-answer';
}

/** Whether a REST call "answers" at all: any status but 404 and 405 (the old, looser criterion). */
export function answered(op) {
  return op.status !== 0 && op.status !== 404 && op.status !== 405;
}

/** Runs `fn` over items with at most `concurrency` at a time; results in item order. */
export async function pool(items, concurrency, fn) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

// ---------------------------------------------------------------------------------------------
// Summary

/** Counts and listings over file results (the JSON report's `summary`). */
export function summarize(results, engineValidCount = results.length) {
  const booted = results.filter((r) => r.started);
  const bootFailures = {};
  for (const r of results.filter((x) => !x.started)) {
    (bootFailures[startFailureReason(r)] ??= []).push(r.file);
  }
  const operations = results.flatMap((r) =>
    r.operations.map((op) => ({ file: r.file, ...op, outcome: op.outcome ?? statusClass(op) })),
  );
  const byClass = {
    ok: 0,
    'client-error': 0,
    'upstream-relay': 0,
    'engine-error': 0,
    'no-answer': 0,
  };
  for (const op of operations) byClass[op.outcome]++;
  const statuses = {};
  for (const op of operations) statuses[op.status] = (statuses[op.status] ?? 0) + 1;
  const brief = (op) => ({
    file: op.file,
    adapter: op.adapter,
    operation: op.operation,
    method: op.method,
    target: op.target,
    status: op.status,
    ...(op.code ? { code: op.code } : {}),
    ...(op.detail ? { detail: op.detail } : {}),
    ...(op.error ? { error: op.error } : {}),
    ...(op.text ? { text: op.text } : {}),
    exception: knownException(op.file, op.status, op.code),
  });
  const grouped = (list) => {
    const by = {};
    for (const op of list) (by[op.code ?? `status ${op.status}`] ??= []).push(brief(op));
    return by;
  };
  const failing = operations.filter((op) => !nonClientError(op));
  const forwards = results.flatMap((r) => r.forwards.map((f) => ({ file: r.file, ...f })));
  const bootFailureList = results
    .filter((r) => !r.started)
    .map((r) => {
      const reason = startFailureReason(r);
      const code = /^([A-Z_]+):/.exec(reason)?.[1];
      return { file: r.file, reason, exception: knownException(r.file, 'boot', code) };
    });
  return {
    filesEngineValid: engineValidCount,
    filesRun: results.length,
    booted: booted.length,
    bootedWithRestAdapter: booted.filter((r) => r.adapters.length > 0).length,
    failedToBoot: results.length - booted.length,
    failedToBootWithLocatedBindings: results.filter(
      (r) => !r.started && r.locatedBindings.length > 0,
    ).length,
    bootFailures,
    bootFailureList,
    restOperations: operations.length,
    nonClientError: operations.filter(nonClientError).length,
    byClass,
    statuses,
    clientErrors4xx: byClass['client-error'],
    clientErrorsByCode: grouped(operations.filter((op) => op.outcome === 'client-error')),
    noAnswer: operations.filter((op) => op.outcome === 'no-answer').map(brief),
    serverErrors5xx: byClass['upstream-relay'] + byClass['engine-error'],
    upstreamRelays5xx: grouped(operations.filter((op) => op.outcome === 'upstream-relay')),
    engineErrors5xx: grouped(operations.filter((op) => op.outcome === 'engine-error')),
    /** 4xx, no answer, failed boots and engine 5xx that the known exceptions do not explain. */
    unexplained: [
      ...bootFailureList
        .filter((b) => b.exception === undefined)
        .map((b) => `${b.file} boot: ${b.reason}`),
      ...[...failing, ...operations.filter((op) => op.outcome === 'engine-error')]
        .map(brief)
        .filter((op) => op.exception === undefined)
        .map(
          (op) =>
            `${op.file} ${op.method} ${op.target} → ${op.status} ${op.code ?? op.error ?? ''}`,
        ),
    ],
    adaptersWithoutOpenApi: results.flatMap((r) =>
      r.adapters
        .filter((a) => !a.openapi)
        .map((a) => ({ file: r.file, adapter: a.namespace, why: a.openapiError })),
    ),
    operationsMissingFromOpenApi: operations
      .filter((op) => !op.openapi)
      .map((op) => `${op.file} ${op.method} ${op.path}`),
    forwards,
    exitedBeforeStop: results
      .filter((r) => r.exitedBeforeStop)
      .map((r) => ({ file: r.file, adapters: r.adapters.length, exit: r.exit })),
    stopNotClean: results
      .filter((r) => r.started && !r.exitedBeforeStop && (r.stop?.code !== 0 || r.stop?.forced))
      .map((r) => ({ file: r.file, stop: r.stop })),
    internalLogs: results
      .filter((r) => r.internalLogs.length > 0)
      .map((r) => ({ file: r.file, logs: r.internalLogs.slice(0, 5) })),
    guardBlocked: results
      .filter((r) => r.guardBlocked.length > 0)
      .map((r) => ({ file: r.file, hosts: r.guardBlocked })),
  };
}
