#!/usr/bin/env node
/**
 * Runs the official MCP conformance suite (@modelcontextprotocol/conformance, `conformance server`)
 * against specs/mcp-conformance.yaml served by the engine. See docs/mcp-conformance.md.
 *
 * Builds nothing: dist/ must be built (`npm run build`). Starts
 * `node dist/cli/main.js run specs/mcp-conformance.yaml --port '*=0' --log-format json`, reads the
 * MCP URL from the `adapter.listening` line, runs the suite against it (only localhost is
 * contacted; npx fetches the suite and Node 22 from the npm registry), stops the engine with
 * SIGTERM and prints a summary. Exits non-zero only when a scenario fails that is not listed in
 * EXPECTED_FAILURES (or when the engine or the suite could not run at all).
 *
 * Env: CONFORMANCE_PKG (default @modelcontextprotocol/conformance@0.1.16, the version the
 * expectations were written against), CONFORMANCE_SCENARIO (run one scenario only).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { clearTimeout, setTimeout } from 'node:timers';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SPEC = 'specs/mcp-conformance.yaml';
const PKG = process.env.CONFORMANCE_PKG ?? '@modelcontextprotocol/conformance@0.1.16';
const STARTUP_TIMEOUT_MS = 20_000;
const SUITE_TIMEOUT_MS = 300_000;

/** Scenario → why the engine is expected to fail it. Keep in sync with docs/mcp-conformance.md. */
const EXPECTED_FAILURES = {
  'logging-set-level': 'logging (logging/setLevel) is not supported by the engine',
  'completion-complete': 'completions (completion/complete) are not supported by the engine',
  'tools-call-image': 'mock outputs only produce JSON text, not image content',
  'tools-call-audio': 'mock outputs only produce JSON text, not audio content',
  'tools-call-embedded-resource': 'mock outputs cannot produce resource content',
  'tools-call-mixed-content': 'mock outputs cannot produce mixed contents',
  'tools-call-with-logging':
    'logging is not supported (the suite first sends logging/setLevel: -32601), and tools send no log notifications',
  'tools-call-with-progress': 'tools send no progress notifications',
  'tools-call-sampling':
    'sampling (server-to-client sampling/createMessage) is not offered by the engine',
  'tools-call-elicitation':
    'elicitation (server-to-client elicitation/create) is not offered by the engine',
  'elicitation-sep1034-defaults':
    'elicitation (server-to-client elicitation/create) is not offered by the engine',
  'elicitation-sep1330-enums':
    'elicitation (server-to-client elicitation/create) is not offered by the engine',
  'resources-templates-read':
    'a resource template (test://template/{id}/data) needs a dynamic resource with a `call`; the spec only has static files',
  'resources-subscribe':
    'resource subscriptions (resources/subscribe) are not supported by the engine',
  'resources-unsubscribe':
    'resource subscriptions (resources/unsubscribe) are not supported by the engine',
  'prompts-get-embedded-resource':
    'inline prompt templates only hold text messages, not embedded resources',
  'prompts-get-with-image': 'inline prompt templates only hold text messages, not images',
  // Not in the "active" suite of 0.1.16 (listed for --suite all / later versions):
  'json-schema-2020-12':
    'Naftiko inputParameters cannot declare $schema / $defs, and the tool name has an underscore',
  'server-sse-polling':
    'needs a test_reconnection tool that closes the SSE stream mid-call (SEP-1699); not expressible',
};

function startEngine() {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['dist/cli/main.js', 'run', SPEC, '--port', '*=0', '--log-format', 'json'],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const log = [];
    let url;
    const timer = setTimeout(
      () => fail(new Error('engine did not become ready in time')),
      STARTUP_TIMEOUT_MS,
    );
    function fail(err) {
      clearTimeout(timer);
      child.kill('SIGTERM');
      reject(new Error(`${err.message}\n${log.join('\n')}`));
    }
    const onLine = (line) => {
      log.push(line);
      let ev;
      try {
        ev = JSON.parse(line);
      } catch {
        return;
      }
      if (ev.event === 'adapter.listening' && ev.type === 'mcp') url = ev.url;
      if (ev.event === 'capability.ready') {
        clearTimeout(timer);
        if (!url) return fail(new Error('engine ready without an MCP adapter.listening line'));
        resolve({ child, url, log });
      }
    };
    createInterface({ input: child.stdout }).on('line', onLine);
    createInterface({ input: child.stderr }).on('line', onLine);
    child.on('error', fail);
    child.on('exit', (code) => {
      if (!url) fail(new Error(`engine exited (${code}) before it was ready`));
    });
  });
}

function stopEngine(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function runSuite(url, outDir) {
  const args = [
    '-y',
    '-p',
    'node@22',
    '-p',
    PKG,
    '--',
    'conformance',
    'server',
    '--url',
    url,
    '-o',
    outDir,
  ];
  if (process.env.CONFORMANCE_SCENARIO) args.push('--scenario', process.env.CONFORMANCE_SCENARIO);
  return new Promise((resolve, reject) => {
    const child = spawn('npx', args, { cwd: outDir, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => child.kill('SIGTERM'), SUITE_TIMEOUT_MS);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** One entry per scenario directory `server-<scenario>-<timestamp>/checks.json`. */
function readResults(outDir) {
  const results = [];
  for (const dir of readdirSync(outDir).sort()) {
    const m = /^server-(.+)-\d{4}-\d{2}-\d{2}T[\d-]+Z$/.exec(dir);
    if (!m) continue;
    let checks;
    try {
      checks = JSON.parse(readFileSync(path.join(outDir, dir, 'checks.json'), 'utf8'));
    } catch {
      checks = [{ id: m[1], status: 'FAILURE', errorMessage: 'no readable checks.json' }];
    }
    const failures = checks.filter((c) => c.status === 'FAILURE');
    results.push({ scenario: m[1], checks, failures });
  }
  return results;
}

async function main() {
  const started = Date.now();
  const outDir = mkdtempSync(path.join(tmpdir(), 'mcp-conformance-'));
  let engine;
  try {
    engine = await startEngine();
    console.log(`engine: MCP adapter at ${engine.url}`);
    const suite = await runSuite(engine.url, outDir);
    const results = readResults(outDir);
    if (results.length === 0) {
      console.error(suite.output);
      console.error('conformance: the suite produced no scenario results');
      return 2;
    }
    let passed = 0;
    let expected = 0;
    const unexpected = [];
    const stale = [];
    for (const r of results) {
      const reason = EXPECTED_FAILURES[r.scenario];
      if (r.failures.length === 0) {
        passed++;
        console.log(`PASS  ${r.scenario}`);
        if (reason) stale.push(r.scenario);
        continue;
      }
      const messages = r.failures.map((c) => `${c.id}: ${c.errorMessage ?? 'failed'}`).join(' | ');
      if (reason) {
        expected++;
        console.log(`XFAIL ${r.scenario} — ${reason}\n        suite: ${messages}`);
      } else {
        unexpected.push(r.scenario);
        console.log(`FAIL  ${r.scenario}\n        suite: ${messages}`);
      }
    }
    for (const s of stale) {
      console.log(`note: ${s} now passes; remove it from EXPECTED_FAILURES (and the doc)`);
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      `conformance: ${passed} passed, ${unexpected.length} failed, ${expected} expected failures (${results.length} scenarios, ${seconds}s)`,
    );
    if (unexpected.length) console.log(`unexpected failures: ${unexpected.join(', ')}`);
    console.log(`${passed} passed, ${unexpected.length + expected} failed`);
    return unexpected.length ? 1 : 0;
  } finally {
    if (engine) await stopEngine(engine.child);
    rmSync(outDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`conformance: ${err.message}`);
    process.exit(2);
  },
);
