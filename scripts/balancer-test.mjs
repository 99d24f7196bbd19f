#!/usr/bin/env node
/* global Buffer, fetch, performance, setTimeout */
// A test with a real balancer (issue 14): HAProxy on 127.0.0.1 in front of three `naftiko run`
// instances of the seed (specs/crm-crm-integration.yaml, against bench/upstream.mjs) plus the
// control adapter of deploy/kubernetes/configmap.yaml for the health checks. The HAProxy
// configuration is deploy/vm/haproxy.cfg with only its addresses and ports changed
// (scripts/lib/balancer-haproxy.mjs), so the policies tested are the documented ones.
//
// 0. `haproxy -c -f deploy/vm/haproxy.cfg` passes; and the retry policy: with engine1 replaced
//    (runtime API `set server ... addr`) by a server that closes every request unanswered, REST
//    GETs and read-only tool calls that reach it are sent again elsewhere and succeed, REST PUTs
//    and calls of a writing tool are not (each one that reached it fails).
// 1. Stateless: REST load (autocannon, GET /v1/crm/integrations) and MCP clients calling the
//    read-only tool in a loop, all through HAProxy, while one instance after another is SIGKILLed
//    and started again. The MCP clients are SDK v2 clients in the 2026-07-28 era: stateless on
//    every instance (no --mcp-stateless needed, so the same instances serve scenario 2), and
//    their Mcp-Method/Mcp-Name headers are what lets HAProxy send a read-only call again when
//    its instance died under it (a 2025-11-25 client with --mcp-stateless is stateless too, but
//    HAProxy cannot tell its reads from its writes). Criteria: 0 failed REST requests (counted
//    as sent − answered too: autocannon does not count a connection closed unanswered), 0
//    failed MCP calls, each dead instance DOWN in HAProxy within inter × fall + 1 s, UP again
//    after its restart, and serving again.
// 2. Session affinity: sessionful 2025-11-25 clients (SDK v1 Client) through the stick table on
//    Mcp-Session-Id: every call of every session succeeds; after one instance is SIGKILLed, the
//    sessions that lived there get a 404 on their next call and succeed after initializing again;
//    the others keep their session.
//
// Usage: node scripts/balancer-test.mjs [--kills 3] [--connections 8] [--rate 0] [--retry-on <keywords>]
//   [--clients 12] [--calls 3] [--json <file>]
// Exit 0 passed, 1 a criterion failed, 2 could not run (haproxy missing, dist/ not built, ...).
// dist/ must be built (npm run build). Everything listens on 127.0.0.1; every process started
// here (haproxy, engines, upstream) is killed on exit, errors and SIGINT included.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Client as ClientV2,
  StreamableHTTPClientTransport as TransportV2,
} from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import autocannon from 'autocannon';
import { parse as parseYaml } from 'yaml';
import { processes } from '../bench/lib/processes.mjs';
import {
  admin,
  checkConfig,
  haproxyVersion,
  parseHttpLog,
  renderConfig,
  showStat,
  startHaproxy,
  stickEntries,
} from './lib/balancer-haproxy.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SEED = join(root, 'specs/crm-crm-integration.yaml');
const CLI = join(root, 'dist/cli/main.js');
const HAPROXY_CFG = join(root, 'deploy/vm/haproxy.cfg');
const CONFIGMAP = join(root, 'deploy/kubernetes/configmap.yaml');
const TOKEN = 'balancer-test-token';
const TOOL = 'gong-get-crm-integration-details';
const REST_PATH = '/v1/crm/integrations';
const NS = {
  consumes: 'crm-crm-integration',
  rest: 'crm-crm-integration-rest',
  mcp: 'crm-crm-integration-mcp',
};

function opt(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}
const KILLS = Number(opt('kills', '3'));
// For measuring what the policy buys: e.g. `--retry-on conn-failure` (no retry once a request
// was sent) in place of the file's retry-on line. The test then fails, as it should.
const RETRY_ON = opt('retry-on', undefined);
const CLIENTS = Number(opt('clients', '12'));
const CALLS = Number(opt('calls', '3'));
const JSON_OUT = opt('json', undefined);
const REST_CONNECTIONS = Number(opt('connections', '8'));
/** REST requests per second, 0 for as fast as it goes; and per autocannon run. */
const REST_RATE = Number(opt('rate', '0'));
const RUN_REQUESTS = REST_RATE > 0 ? 2 * REST_RATE : 1000;
const MCP_LOOPS = 2;
/** Pause between a kill being seen (DOWN) and the restart, and after an UP before the next kill. */
const RESTART_AFTER_MS = 1000;
const SERVE_AFTER_UP_MS = 2000;

const cantRun = (msg) => {
  console.error(`balancer-test: ${msg}`);
  process.exit(2);
};
if (!(KILLS >= 1 && KILLS <= 6) || !(CLIENTS >= 3) || !(CALLS >= 1))
  cantRun('--kills must be 1..6, --clients ≥ 3, --calls ≥ 1');
if (!existsSync(CLI)) cantRun(`${CLI} missing; run npm run build first`);
const VERSION = haproxyVersion();
if (!VERSION) cantRun('haproxy not found on PATH (Debian: apt-get install -y haproxy)');

// ---------- processes: every one is killed on exit (bench/lib/processes.mjs, startHaproxy)
const { start, stop } = processes({ root, env: { GONG_API_KEY: TOKEN } });
const dir = mkdtempSync(join(tmpdir(), 'naftiko-balancer-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
for (const ev of ['uncaughtException', 'unhandledRejection'])
  process.on(ev, (err) => {
    console.error(`balancer-test: could not run: ${err?.stack ?? err}`);
    process.exit(2);
  });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();
const t0 = now();
const at = () => `[${((now() - t0) / 1000).toFixed(1).padStart(5)} s]`;
const log = (...a) => console.log(at(), ...a);

/** Free loopback ports: bound together on port 0 (so all differ), then released. */
async function freePorts(n) {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise((res, rej) => {
          const s = createServer();
          s.once('error', rej);
          s.listen(0, '127.0.0.1', () => res(s));
        }),
    ),
  );
  const ports = servers.map((s) => s.address().port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

// ---------- criteria
const results = [];
function criterion(name, ok, detail) {
  results.push({ name, ok: Boolean(ok), detail });
  console.log(`${at()} ${ok ? 'PASS' : 'FAIL'}  ${name}${detail ? `: ${detail}` : ''}`);
}

// ---------- HAProxy's log (the file's `option httplog` to stdout): every request's outcome as the
// balancer saw it, per phase of the test. autocannon alone cannot show a request lost to a
// closed connection: it reconnects and sends another without counting an error.
const httpLog = { phase: 'setup', phases: {} };
const emptyTally = () => ({
  requests: 0,
  failed: 0,
  clientAborts: 0,
  retried: 0,
  redispatched: 0,
  samples: [],
});
function onHaproxyLine(line) {
  const r = parseHttpLog(line);
  if (!r) return false;
  const phase = (httpLog.phases[httpLog.phase] ??= {});
  const t = (phase[r.backend] ??= emptyTally());
  t.requests++;
  if (r.retries > 0 && r.status >= 200 && r.status < 300) t.retried++;
  if (r.redispatched) t.redispatched++;
  if (r.termination.startsWith('C')) t.clientAborts++;
  else if (r.status < 200 || r.status >= 500) {
    t.failed++;
    if (t.samples.length < 3) t.samples.push(line.slice(line.indexOf(']') + 2, 200));
  }
  return true;
}
const logTally = (phase, backend) => httpLog.phases[phase]?.[backend] ?? emptyTally();

// ---------- the setup
const figures = { haproxy: VERSION };
const health = parseHealth(readFileSync(HAPROXY_CFG, 'utf8'));
figures.health = health;

/** inter/fall/rise of the `default-server` line (the test's DOWN bound comes from them). */
function parseHealth(text) {
  const line = text.split('\n').find((l) => /^\s*default-server\b/.test(l)) ?? '';
  const ms = (v) =>
    v.endsWith('ms') ? Number(v.slice(0, -2)) : Number(v.replace(/s$/, '')) * 1000;
  const get = (k, d) => {
    const m = new RegExp(`\\b${k}\\s+(\\S+)`).exec(line);
    return m ? m[1] : d;
  };
  return {
    interMs: ms(get('inter', '2s')),
    fall: Number(get('fall', '3')),
    rise: Number(get('rise', '2')),
  };
}

async function startInstance(inst) {
  const p = await start(inst.name, [
    CLI,
    'run',
    SEED,
    inst.controlFile,
    '--base-uri',
    `${NS.consumes}=${inst.upstream}/v2`,
    '--port',
    `${NS.rest}=${inst.restPort}`,
    '--port',
    `${NS.mcp}=${inst.mcpPort}`,
    '--port',
    `control=${inst.controlPort}`,
    '--address',
    '*=127.0.0.1',
    '--log-format',
    'json',
  ]);
  inst.proc = p;
  return p;
}

/** Server rows of one instance in both backends. */
async function instanceRows(socket, inst) {
  const rows = await showStat(socket);
  return {
    rest: rows.find((r) => r.pxname === 'naftiko_rest' && r.svname === inst.name),
    mcp: rows.find((r) => r.pxname === 'naftiko_mcp' && r.svname === inst.mcpServer),
  };
}

/** Polls `show stat` (every 50 ms) until `pred(status)` holds in both backends; ms it took. */
async function waitStatus(socket, inst, pred, limitMs) {
  const start_ = now();
  const seen = { rest: null, mcp: null };
  while (now() - start_ < limitMs) {
    const rows = await instanceRows(socket, inst);
    for (const k of ['rest', 'mcp'])
      if (seen[k] === null && rows[k] && pred(rows[k].status)) seen[k] = now() - start_;
    if (seen.rest !== null && seen.mcp !== null) break;
    await sleep(50);
  }
  return seen;
}
const isDown = (s) => s.startsWith('DOWN');

/** SIGKILL; resolves once the process is gone (the kernel has closed its sockets). */
function kill(inst) {
  const c = inst.proc.child;
  if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
  const gone = new Promise((r) => c.once('exit', r));
  c.kill('SIGKILL');
  return gone;
}
const isUp = (s) => s === 'UP';

// ---------- the retry policy: which requests HAProxy sends again after they reached an instance
/**
 * A server that reads each request whole, then closes the connection without answering: what an
 * instance killed while it handles a request looks like to HAProxy (an empty response). It
 * records what it received.
 */
function startCrashServer() {
  const received = [];
  const server = createServer((sock) => {
    let buf = Buffer.alloc(0);
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.subarray(0, end).toString('latin1');
      const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
      if (buf.length < end + 4 + length) return;
      const [method] = head.split(' ');
      const header = (n) => new RegExp(`\r\n${n}:\\s*([^\r]*)`, 'i').exec(head)?.[1];
      received.push({ method, mcpMethod: header('mcp-method'), mcpName: header('mcp-name') });
      sock.destroy();
    });
    sock.on('error', () => {});
  });
  return new Promise((res) =>
    server.listen(0, '127.0.0.1', () =>
      res({ port: server.address().port, received, close: () => server.close() }),
    ),
  );
}

async function retryPolicyProbe({ socket, instances, restUrl, mcpUrl }) {
  log('== 0. retry policy: engine1 replaced by a server that closes every request unanswered');
  httpLog.phase = 'retryPolicy';
  const crash = await startCrashServer();
  const inst = instances[0];
  const point = (port) =>
    Promise.all([
      admin(
        socket,
        `set server naftiko_rest/${inst.name} addr 127.0.0.1 port ${port ?? inst.restPort}`,
      ),
      admin(
        socket,
        `set server naftiko_mcp/${inst.mcpServer} addr 127.0.0.1 port ${port ?? inst.mcpPort}`,
      ),
    ]);
  await point(crash.port);
  const client = new ClientV2(
    { name: 'balancer-test-probe', version: '1.0.0' },
    { versionNegotiation: { mode: 'auto' } },
  );
  const kinds = {
    'REST GET': {
      safe: true,
      hit: (r) => r.method === 'GET' && !r.mcpMethod,
      send: async () => {
        const res = await fetch(restUrl);
        await res.text();
        return res.ok;
      },
    },
    'REST PUT': {
      safe: false,
      hit: (r) => r.method === 'PUT',
      send: async () => {
        const res = await fetch(restUrl, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: '{"name":"balancer-probe"}',
        });
        await res.text();
        return res.ok;
      },
    },
    [`MCP tools/call ${TOOL} (read-only)`]: {
      safe: true,
      hit: (r) => r.mcpName === TOOL,
      send: async () => !(await client.callTool({ name: TOOL, arguments: {} })).isError,
    },
    'MCP tools/call gong-register-crm-integration (writes)': {
      safe: false,
      hit: (r) => r.mcpName === 'gong-register-crm-integration',
      send: async () =>
        !(
          await client.callTool({
            name: 'gong-register-crm-integration',
            arguments: { body: { name: 'balancer-probe' } },
          })
        ).isError,
    },
  };
  const out = {};
  try {
    // The client's discovery goes round robin too: connect until it gets through.
    for (let i = 0; ; i++) {
      try {
        await client.connect(new TransportV2(new URL(mcpUrl)));
        break;
      } catch (err) {
        if (i >= 5) throw err;
      }
    }
    for (const [label, k] of Object.entries(kinds)) {
      let sent = 0;
      let failed = 0;
      // Until two of them reached the closing server (round robin sends one in three there).
      while (crash.received.filter(k.hit).length < 2 && sent < 30) {
        sent++;
        const ok = await k.send().catch(() => false);
        if (!ok) failed++;
      }
      const reached = crash.received.filter(k.hit).length;
      out[label] = { safe: k.safe, sent, reachedClosingServer: reached, failed };
      log(`${label}: ${sent} sent, ${reached} reached the closing server, ${failed} failed`);
    }
  } finally {
    await client.close().catch(() => {});
    await point();
    crash.close();
  }
  for (const [label, r] of Object.entries(out)) {
    if (r.safe)
      criterion(
        `0. ${label}: sent again elsewhere (0 failed)`,
        r.reachedClosingServer >= 2 && r.failed === 0,
        `${r.reachedClosingServer} closed unanswered, ${r.failed} failed`,
      );
    else
      criterion(
        `0. ${label}: never sent again (each one closed unanswered fails)`,
        r.reachedClosingServer >= 2 && r.failed === r.reachedClosingServer,
        `${r.reachedClosingServer} closed unanswered, ${r.failed} failed`,
      );
  }
  return out;
}

// ---------- scenario 1: stateless, under load, with kills
/**
 * autocannon (at REST_RATE, or as fast as it goes), as back-to-back runs of a fixed number of
 * requests until `stop()`: each run ends with nothing in flight, so that sent − answered is exactly
 * the number of requests lost. (A connection closed without an answer is no error to autocannon:
 * it reconnects and goes on; and HAProxy logs no line for such a request.)
 */
function restLoad(url) {
  const sum = {
    runs: 0,
    sent: 0,
    requests: 0,
    ok2xx: 0,
    non2xx: 0,
    errors: 0,
    timeouts: 0,
    mismatches: 0,
    badBodies: 0,
    badBodySample: undefined,
    p50: 0,
    p99: 0,
    max: 0,
    ms: 0,
  };
  let stopping = false;
  let running = true;
  const once = () =>
    new Promise((res, rej) => {
      autocannon(
        {
          url,
          connections: REST_CONNECTIONS,
          pipelining: 1,
          amount: RUN_REQUESTS,
          ...(REST_RATE > 0 ? { overallRate: REST_RATE } : {}),
          timeout: 10,
          requests: [
            {
              // Called once per request sent (autocannon's `requests.sent` is not that count).
              setupRequest: (req) => {
                sum.sent++;
                return req;
              },
              onResponse: (status, body) => {
                if (status >= 200 && status < 300 && !String(body).includes('integrationId')) {
                  sum.badBodies++;
                  sum.badBodySample ??= String(body).slice(0, 200);
                }
              },
            },
          ],
        },
        (err, r) => (err ? rej(err) : res(r)),
      );
    });
  const result = (async () => {
    const t = now();
    try {
      while (!stopping) {
        const r = await once();
        sum.runs++;
        sum.requests += r.requests.total;
        sum.ok2xx += r['2xx'];
        sum.non2xx += r.non2xx;
        sum.errors += r.errors;
        sum.timeouts += r.timeouts;
        sum.mismatches += r.mismatches ?? 0;
        sum.p50 = Math.max(sum.p50, r.latency.p50); // the worst run's
        sum.p99 = Math.max(sum.p99, r.latency.p99);
        sum.max = Math.max(sum.max, r.latency.max);
      }
    } finally {
      running = false;
    }
    sum.ms = now() - t;
    sum.reqPerSec = Math.round(sum.requests / (sum.ms / 1000));
    return sum;
  })();
  return {
    running: () => running,
    /** Ends the load once the current run has ended. */
    stop: () => (stopping = true),
    result,
  };
}
const restFailures = (r) => r.non2xx + r.errors + r.timeouts + r.mismatches + r.badBodies;

/** A 2026-07-28 (SDK v2) client calling the read-only tool in a loop until `running()` is false. */
async function mcpLoop(url, running, tally) {
  const client = new ClientV2(
    { name: 'balancer-test', version: '1.0.0' },
    { versionNegotiation: { mode: 'auto' } },
  );
  await client.connect(new TransportV2(new URL(url)));
  tally.eras.add(client.getNegotiatedProtocolVersion());
  try {
    while (running()) {
      const t = now();
      try {
        const r = await client.callTool({ name: TOOL, arguments: {} });
        const text = r.content?.[0]?.text ?? '';
        if (r.isError || !text.includes('integrationId')) {
          tally.failed++;
          if (tally.samples.length < 5) tally.samples.push(`isError: ${text.slice(0, 200)}`);
        } else tally.ok++;
      } catch (err) {
        tally.failed++;
        if (tally.samples.length < 5) tally.samples.push(String(err?.message ?? err).slice(0, 200));
      }
      tally.maxMs = Math.max(tally.maxMs, now() - t);
    }
  } finally {
    await client.close().catch(() => {});
  }
}

async function statelessScenario({ socket, instances, restUrl, mcpUrl }) {
  log(
    `== 1. stateless: REST load (autocannon c=${REST_CONNECTIONS}${REST_RATE > 0 ? `, ${REST_RATE} req/s` : ''}) + ${MCP_LOOPS} MCP clients (2026-07-28) calling ${TOOL} in a loop; ${KILLS} SIGKILL(s)`,
  );
  const before = await showStat(socket);
  httpLog.phase = 'stateless';
  const rest = restLoad(restUrl);
  let running = true;
  const tally = { ok: 0, failed: 0, samples: [], maxMs: 0, eras: new Set() };
  const loops = Array.from({ length: MCP_LOOPS }, () => mcpLoop(mcpUrl, () => running, tally));
  const downLimit = health.interMs * health.fall + 1000;
  const upLimit = health.interMs * health.rise + 15_000;
  const kills = [];
  try {
    await sleep(3000);
    for (let k = 0; k < KILLS; k++) {
      const inst = instances[(k + 1) % instances.length];
      const okBefore = { mcp: tally.ok };
      const underLoad = rest.running();
      const gone = kill(inst);
      log(`SIGKILL ${inst.name} (pid ${inst.proc.pid})`);
      const down = await waitStatus(socket, inst, isDown, downLimit + 4000);
      await gone;
      const downMs = Math.max(down.rest ?? Infinity, down.mcp ?? Infinity);
      log(
        `${inst.name} DOWN in HAProxy after ${fmtMs(down.rest)} (rest backend), ${fmtMs(down.mcp)} (mcp backend); bound ${downLimit} ms`,
      );
      await sleep(RESTART_AFTER_MS);
      const restartAt = now();
      const p = await startInstance(inst);
      log(`${inst.name} restarted (pid ${p.pid}), ready in ${Math.round(p.readyMs)} ms`);
      const up = await waitStatus(socket, inst, isUp, upLimit);
      const upMs = Math.max(up.rest ?? Infinity, up.mcp ?? Infinity);
      log(
        `${inst.name} UP in HAProxy ${fmtMs(up.rest)} (rest), ${fmtMs(up.mcp)} (mcp) after it was ready; bound ${upLimit} ms`,
      );
      const rowsAtUp = await instanceRows(socket, inst);
      kills.push({
        instance: inst.name,
        downMs: { rest: down.rest, mcp: down.mcp },
        downOk: downMs <= downLimit,
        restartReadyMs: Math.round(p.readyMs),
        upAfterReadyMs: { rest: up.rest, mcp: up.mcp },
        upOk: Number.isFinite(upMs),
        restartToUpMs: Math.round(now() - restartAt),
        stotAtUp: { rest: Number(rowsAtUp.rest?.stot), mcp: Number(rowsAtUp.mcp?.stot) },
        mcpCallsDuring: tally.ok - okBefore.mcp,
        underLoad: underLoad && rest.running(),
      });
      await sleep(SERVE_AFTER_UP_MS);
    }
  } finally {
    rest.stop();
  }
  // The load ends with its current run: nothing is in flight then.
  const restResult = await rest.result;
  running = false;
  await Promise.all(loops);
  await sleep(200); // the last log lines
  httpLog.phase = 'between';
  const after = await showStat(socket);
  // Did each restarted instance serve again after it was UP? (sessions counted since)
  for (const k of kills) {
    const inst = instances.find((i) => i.name === k.instance);
    const rest_ = after.find((r) => r.pxname === 'naftiko_rest' && r.svname === inst.name);
    const mcp_ = after.find((r) => r.pxname === 'naftiko_mcp' && r.svname === inst.mcpServer);
    k.servedAfterUp = {
      rest: Number(rest_?.stot) - k.stotAtUp.rest,
      mcp: Number(mcp_?.stot) - k.stotAtUp.mcp,
    };
  }
  const counters = backendCounters(before, after);
  const mcp = { calls: tally.ok + tally.failed, ok: tally.ok, failed: tally.failed };
  mcp.maxMs = Math.round(tally.maxMs);
  mcp.eras = [...tally.eras];
  mcp.samples = tally.samples;
  log(
    `REST: ${restResult.sent} requests in ${restResult.runs} autocannon runs (${restResult.reqPerSec} req/s; worst run p50 ${restResult.p50} ms, p99 ${restResult.p99} ms; max ${restResult.max} ms): ` +
      `${restResult.ok2xx} 2xx, ${restResult.non2xx} non-2xx, ${restResult.errors} errors, ${restResult.timeouts} timeouts, ${restResult.badBodies} bad bodies`,
  );
  log(
    `MCP: ${mcp.calls} tools/call (era ${mcp.eras.join(',')}), ${mcp.failed} failed, slowest ${mcp.maxMs} ms` +
      (mcp.samples.length ? `; e.g. ${mcp.samples.join(' | ')}` : ''),
  );
  log(`HAProxy counters (show stat): ${fmtCounters(counters)}`);
  const restLog = logTally('stateless', 'naftiko_rest');
  const mcpLog = logTally('stateless', 'naftiko_mcp');
  for (const [label, t] of [
    ['REST', restLog],
    ['MCP', mcpLog],
  ])
    log(
      `HAProxy log, ${label}: ${t.requests} requests, ${t.failed} without an answer or 5xx, ${t.retried} answered after a retry, ${t.redispatched} redispatched, ${t.clientAborts} closed by the client` +
        (t.samples.length ? `; e.g. ${t.samples.join(' | ')}` : ''),
    );
  const lost = restResult.sent - restResult.requests;
  restResult.lost = lost;
  criterion(
    '1. stateless: 0 failed REST requests',
    restFailures(restResult) === 0 && lost === 0 && restLog.failed === 0 && restResult.requests > 0,
    `${restResult.sent} sent, ${restResult.requests} answered, ${lost} lost (closed unanswered), ${restFailures(restResult)} failed (non-2xx, errors, timeouts, bad bodies); HAProxy log: ${restLog.failed} failed${restResult.badBodySample ? ` (${restResult.badBodySample})` : ''}`,
  );
  criterion(
    '1. stateless: 0 failed MCP calls',
    mcp.failed === 0 && mcpLog.failed === 0 && mcp.ok > 0,
    `${mcp.calls} calls, ${mcp.failed} failed; HAProxy log: ${mcpLog.failed} failed of ${mcpLog.requests}`,
  );
  criterion(
    '1. stateless: MCP clients served statelessly in the 2026-07-28 era',
    mcp.eras.length === 1 && mcp.eras[0] === '2026-07-28',
    mcp.eras.join(','),
  );
  criterion(
    '1. stateless: every kill happened under REST load',
    kills.every((k) => k.underLoad),
    kills.map((k) => `${k.instance} ${k.underLoad ? 'yes' : 'no'}`).join(', '),
  );
  for (const k of kills) {
    criterion(
      `1. ${k.instance} DOWN within inter × fall + 1 s (${downLimit} ms)`,
      k.downOk,
      `rest ${fmtMs(k.downMs.rest)}, mcp ${fmtMs(k.downMs.mcp)}`,
    );
    criterion(
      `1. ${k.instance} UP again after its restart`,
      k.upOk,
      `ready ${k.restartReadyMs} ms, then UP after rest ${fmtMs(k.upAfterReadyMs.rest)}, mcp ${fmtMs(k.upAfterReadyMs.mcp)}`,
    );
    criterion(
      `1. ${k.instance} serves again once UP`,
      k.servedAfterUp.rest > 0 && k.servedAfterUp.mcp > 0,
      `${k.servedAfterUp.rest} REST + ${k.servedAfterUp.mcp} MCP connections since UP`,
    );
  }
  return {
    rest: restResult,
    mcp,
    kills,
    haproxy: counters,
    haproxyLog: { rest: restLog, mcp: mcpLog },
  };
}

const fmtMs = (v) =>
  v === null || v === undefined || !Number.isFinite(v) ? 'never' : `${Math.round(v)} ms`;

/** Retries, redispatches and errors per backend between two `show stat`s. */
function backendCounters(before, after) {
  const out = {};
  for (const a of after.filter((r) => r.svname === 'BACKEND')) {
    const b = before.find((r) => r.pxname === a.pxname && r.svname === 'BACKEND') ?? {};
    const d = (k) => Number(a[k] || 0) - Number(b[k] || 0);
    out[a.pxname] = {
      sessions: d('stot'),
      retries: d('wretr'),
      redispatches: d('wredis'),
      connErrors: d('econ'),
      respErrors: d('eresp'),
      http5xx: d('hrsp_5xx'),
    };
  }
  return out;
}
const fmtCounters = (c) =>
  Object.entries(c)
    .map(
      ([b, v]) =>
        `${b}: ${v.sessions} sessions, ${v.retries} retries, ${v.redispatches} redispatches, ${v.connErrors} connection errors, ${v.respErrors} response errors, ${v.http5xx} 5xx`,
    )
    .join('; ');

// ---------- scenario 2: sessionful clients, stick table, one instance killed
async function sessionClient(url) {
  const transport = new TransportV1(new URL(url));
  const client = new ClientV1({ name: 'balancer-test-sessionful', version: '1.0.0' });
  client.onerror = () => {}; // the standalone GET stream of a killed instance ends: expected
  await client.connect(transport);
  return { client, transport, sessionId: transport.sessionId };
}
async function callOk(c) {
  const r = await c.client.callTool({ name: TOOL, arguments: {} });
  const text = r.content?.[0]?.text ?? '';
  if (r.isError || !text.includes('integrationId'))
    throw new Error(`tool error: ${text.slice(0, 200)}`);
}

async function affinityScenario({ socket, instances, mcpUrl }) {
  httpLog.phase = 'affinity';
  log(
    `== 2. session affinity: ${CLIENTS} sessionful 2025-11-25 clients (SDK v1), ${CALLS} calls each`,
  );
  const clients = await Promise.all(Array.from({ length: CLIENTS }, () => sessionClient(mcpUrl)));
  let callsOk = 0;
  const callErrors = [];
  await Promise.all(
    clients.map(async (c) => {
      for (let i = 0; i < CALLS; i++) {
        try {
          await callOk(c);
          callsOk++;
        } catch (err) {
          callErrors.push(String(err?.message ?? err).slice(0, 200));
        }
      }
    }),
  );
  const kept = clients.filter((c) => c.transport.sessionId === c.sessionId && c.sessionId).length;
  const stats = await showStat(socket);
  const table = await stickEntries(socket, 'naftiko_mcp');
  const byId = new Map(
    stats
      .filter(
        (r) => r.pxname === 'naftiko_mcp' && r.svname !== 'BACKEND' && r.svname !== 'FRONTEND',
      )
      .map((r) => [Number(r.sid), r.svname]),
  );
  for (const c of clients) c.server = byId.get(table.get(c.sessionId));
  const perServer = {};
  for (const inst of instances)
    perServer[inst.name] = clients.filter((c) => c.server === inst.mcpServer).length;
  log(
    `${clients.length} sessions opened, ${callsOk}/${CLIENTS * CALLS} calls succeeded, ${kept} kept their session id; stick table: ${JSON.stringify(perServer)}`,
  );
  criterion(
    '2. every call of every session succeeds (each on its own instance)',
    callsOk === CLIENTS * CALLS && kept === CLIENTS,
    `${callsOk}/${CLIENTS * CALLS} calls, ${kept}/${CLIENTS} sessions kept${callErrors.length ? `; ${callErrors[0]}` : ''}`,
  );
  const located = clients.filter((c) => c.server).length;
  criterion(
    '2. HAProxy learned every session from the initialize response',
    located === CLIENTS,
    `${located}/${CLIENTS} in the stick table`,
  );

  // Kill the instance that holds the most sessions (and not all of them).
  const victim = [...instances].sort((a, b) => perServer[b.name] - perServer[a.name])[0];
  const onVictim = clients.filter((c) => c.server === victim.mcpServer);
  const others = clients.filter((c) => c.server !== victim.mcpServer);
  // The next call comes once the process is gone: a request that reaches an instance as it dies
  // is another case (scenario 1), and a sessionful POST is never sent again by the balancer.
  await kill(victim);
  await sleep(100);
  log(
    `SIGKILL ${victim.name} (pid ${victim.proc.pid}), which held ${onVictim.length} sessions; the next call of each client, at once`,
  );
  const outcome = await Promise.all(
    clients.map(async (c) => {
      try {
        await callOk(c);
        return { c, ok: true };
      } catch (err) {
        return {
          c,
          ok: false,
          code: err?.code,
          message: String(err?.message ?? err).slice(0, 300),
        };
      }
    }),
  );
  const victimOutcomes = outcome.filter((o) => onVictim.includes(o.c));
  const otherOutcomes = outcome.filter((o) => others.includes(o.c));
  const got404 = victimOutcomes.filter((o) => !o.ok && o.code === 404).length;
  const otherOk = otherOutcomes.filter(
    (o) => o.ok && o.c.transport.sessionId === o.c.sessionId,
  ).length;
  const sample404 = victimOutcomes.find((o) => !o.ok)?.message;
  const unexpected = outcome.filter((o) =>
    onVictim.includes(o.c) ? o.ok || o.code !== 404 : !o.ok,
  );
  log(
    `after the kill: ${got404}/${onVictim.length} sessions of ${victim.name} got 404; ${otherOk}/${others.length} others kept their session` +
      (sample404 ? `; the 404: ${sample404}` : ''),
  );
  // The 404'd clients initialize again (a new client and transport) and call.
  let reinitOk = 0;
  const reinitErrors = [];
  await Promise.all(
    victimOutcomes.map(async (o) => {
      await o.c.client.close().catch(() => {});
      try {
        const fresh = await sessionClient(mcpUrl);
        Object.assign(o.c, fresh);
        await callOk(o.c);
        reinitOk++;
      } catch (err) {
        reinitErrors.push(String(err?.message ?? err).slice(0, 200));
      }
    }),
  );
  // Once HAProxy has marked the instance DOWN, every client calls once more.
  const down = await waitStatus(socket, victim, isDown, health.interMs * health.fall + 5000);
  let afterDownOk = 0;
  await Promise.all(
    clients.map(async (c) => {
      try {
        await callOk(c);
        afterDownOk++;
      } catch {
        /* counted */
      }
    }),
  );
  log(
    `${reinitOk}/${onVictim.length} re-initialized and succeeded; ${victim.name} DOWN after ${fmtMs(down.mcp)}; then ${afterDownOk}/${CLIENTS} calls succeeded`,
  );
  criterion(
    '2. the sessions of the killed instance get a clean 404',
    got404 === onVictim.length && onVictim.length > 0,
    `${got404}/${onVictim.length}${unexpected.length ? `; unexpected: ${unexpected.map((o) => o.message ?? 'ok').join(' | ')}` : ''}`,
  );
  criterion(
    '2. the other sessions are unaffected',
    otherOk === others.length && others.length > 0,
    `${otherOk}/${others.length}`,
  );
  criterion(
    '2. the 404 sessions re-initialize and succeed',
    reinitOk === onVictim.length,
    `${reinitOk}/${onVictim.length}${reinitErrors.length ? `; ${reinitErrors[0]}` : ''}`,
  );
  criterion(
    '2. every client succeeds once the instance is DOWN',
    afterDownOk === CLIENTS,
    `${afterDownOk}/${CLIENTS}`,
  );
  await Promise.all(clients.map((c) => c.client.close().catch(() => {})));
  return {
    clients: CLIENTS,
    callsEach: CALLS,
    callsOk,
    sessionsKept: kept,
    perServer,
    killed: victim.name,
    sessionsOnKilled: onVictim.length,
    got404,
    othersUnaffected: otherOk,
    reinitialized: reinitOk,
    afterDownOk,
    sample404,
  };
}

// ---------- run
async function main() {
  if (RETRY_ON)
    log(`retry-on replaced by "${RETRY_ON}" (--retry-on): a measurement, not the policy`);
  log(
    `${VERSION}; health checks inter ${health.interMs} ms, fall ${health.fall}, rise ${health.rise} (deploy/vm/haproxy.cfg)`,
  );
  const shipped = checkConfig(HAPROXY_CFG);
  criterion(
    '0. haproxy -c -f deploy/vm/haproxy.cfg',
    shipped.ok,
    shipped.ok ? undefined : shipped.output,
  );

  // The control adapter: the text of deploy/kubernetes/configmap.yaml's control.yaml.
  const controlText = parseYaml(readFileSync(CONFIGMAP, 'utf8'))?.data?.['control.yaml'];
  if (typeof controlText !== 'string') throw new Error(`${CONFIGMAP}: no data["control.yaml"]`);
  const controlFile = join(dir, 'control.yaml');
  writeFileSync(controlFile, controlText);

  const up = await start('upstream', [join(root, 'bench/upstream.mjs')]);
  const ports = await freePorts(2 + 3 * 3);
  const [restPort, mcpPort] = ports;
  const instances = [1, 2, 3].map((n) => {
    const [r, m, c] = ports.slice(2 + (n - 1) * 3, 2 + n * 3);
    return {
      name: `engine${n}`,
      restPort: r,
      mcpPort: m,
      controlPort: c,
      mcpServer: `127.0.0.1:${m}`,
      controlFile,
      upstream: up.urls.upstream,
    };
  });
  await Promise.all(instances.map(startInstance));
  log(
    `upstream ${up.urls.upstream}; ${instances.map((i) => `${i.name} (pid ${i.proc.pid}) rest ${i.restPort} mcp ${i.mcpPort} control ${i.controlPort}`).join('; ')}`,
  );

  const socket = join(dir, 'haproxy.sock');
  const cfgFile = join(dir, 'haproxy.cfg');
  writeFileSync(
    cfgFile,
    renderConfig(readFileSync(HAPROXY_CFG, 'utf8'), {
      restPort,
      mcpPort,
      instances,
      socket,
      retryOn: RETRY_ON,
    }),
  );
  const generated = checkConfig(cfgFile);
  if (!generated.ok)
    throw new Error(`the generated configuration does not parse:\n${generated.output}`);
  const haproxy = await startHaproxy(cfgFile, socket, { onLine: onHaproxyLine });
  const restUrl = `http://127.0.0.1:${restPort}${REST_PATH}`;
  const mcpUrl = `http://127.0.0.1:${mcpPort}/mcp`;
  for (const inst of instances) {
    const s = await waitStatus(socket, inst, isUp, 15_000);
    if (s.rest === null || s.mcp === null)
      throw new Error(`${inst.name} never UP in HAProxy\n${haproxy.output()}`);
  }
  log(`haproxy (pid ${haproxy.child.pid}) REST ${restUrl}, MCP ${mcpUrl}; the 3 instances are UP`);
  const probe = await fetch(restUrl);
  const probeBody = await probe.text();
  if (!probe.ok || !probeBody.includes('integrationId'))
    throw new Error(`REST through HAProxy: ${probe.status} ${probeBody.slice(0, 200)}`);

  figures.retryPolicy = await retryPolicyProbe({ socket, instances, restUrl, mcpUrl });
  figures.stateless = await statelessScenario({ socket, instances, restUrl, mcpUrl });
  figures.affinity = await affinityScenario({ socket, instances, mcpUrl });

  await haproxy.stop();
  await Promise.all(instances.map((i) => stop(i.proc)));
  await stop(up);
}

await main();
const failed = results.filter((r) => !r.ok);
figures.criteria = results;
figures.passed = failed.length === 0;
figures.seconds = Math.round((now() - t0) / 100) / 10;
const s = figures.stateless;
const a = figures.affinity;
console.log('\n== balancer test summary');
console.log(
  `retry policy (closing server in place of engine1): ${Object.entries(figures.retryPolicy)
    .map(([k, r]) => `${k} ${r.reachedClosingServer} reached it, ${r.failed} failed`)
    .join('; ')}`,
);
console.log(
  `stateless: ${s.kills.length} kills; REST ${s.rest.sent} requests, ${restFailures(s.rest) + s.rest.lost} failed; MCP ${s.mcp.calls} calls, ${s.mcp.failed} failed; ` +
    `DOWN after ${s.kills.map((k) => fmtMs(Math.max(k.downMs.rest, k.downMs.mcp))).join(', ')}; ` +
    `UP ${s.kills.map((k) => fmtMs(Math.max(k.upAfterReadyMs.rest, k.upAfterReadyMs.mcp))).join(', ')} after ready; ` +
    `no answer from a dying instance (HAProxy eresp): REST ${s.haproxy.naftiko_rest?.respErrors}, MCP ${s.haproxy.naftiko_mcp?.respErrors}`,
);
console.log(
  `affinity: ${a.clients} sessions, ${a.callsOk} calls ok; killed ${a.killed} holding ${a.sessionsOnKilled}: ${a.got404} got 404, ${a.reinitialized} re-initialized, ${a.othersUnaffected}/${a.clients - a.sessionsOnKilled} others unaffected`,
);
console.log(
  `${results.length - failed.length}/${results.length} criteria passed in ${figures.seconds} s${failed.length ? `; failed: ${failed.map((f) => f.name).join('; ')}` : ''}`,
);
if (JSON_OUT) writeFileSync(JSON_OUT, `${JSON.stringify(figures, null, 2)}\n`);
process.exit(failed.length ? 1 : 0);
