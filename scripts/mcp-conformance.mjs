#!/usr/bin/env node
/**
 * Runs the official MCP conformance suite (@modelcontextprotocol/conformance, `conformance server`)
 * against specs/mcp-conformance.yaml served by the engine. See docs/mcp-conformance.md.
 *
 *   node scripts/mcp-conformance.mjs                           # = --suite 0.1.16
 *   node scripts/mcp-conformance.mjs --suite 0.1.16            # 0.1.16, its default "active" suite
 *   node scripts/mcp-conformance.mjs --requirements 2026-07-28 # 0.2.0-alpha.12, what 2026-07-28 requires
 *   node scripts/mcp-conformance.mjs --requirements 2025-11-25 # 0.2.0-alpha.12, what 2025-11-25 requires
 *   node scripts/mcp-conformance.mjs --all                     # the three, in that order
 *   options: --out <dir> keeps the suite's results (one folder per mode); --verbose prints the
 *   suite's own output and the fixture's request counts.
 *
 * Builds nothing: dist/ must be built (`npm run build`). Starts the fixture upstream
 * (scripts/lib/conformance-upstream.mjs, 127.0.0.1 port 0), then
 * `node dist/cli/main.js run specs/mcp-conformance.yaml --port '*=0' --base-uri fixture=<fixture>
 * --log-format json`, reads the MCP URL from the `adapter.listening` line, runs each mode's suite
 * against it through `npx -y -p node@22 -p <package> -- conformance server ...` (the suite needs
 * Node >= 22; only localhost is contacted, npx fetches the packages from the npm registry), stops
 * the engine with SIGTERM and the fixture, and prints one line per scenario and a summary per mode.
 *
 * A scenario passes when none of its checks (checks.json) is a FAILURE (WARNING, INFO and SKIPPED
 * do not fail it; a scenario that wrote no checks.json fails). Each mode has its EXPECTED_FAILURES
 * map: a key is a scenario, or `scenario:check-id` to excuse one check only (the scenario is then
 * an expected failure only when every failing check of it is listed).
 *
 * Exit code: 0 unless a scenario fails that is not an expected failure (1), or the engine, the
 * fixture or the suite could not run at all (2); with --all, the worst of the three.
 *
 * Env: CONFORMANCE_PKG (another suite package for the one mode run; the expectations were written
 * against the default), CONFORMANCE_SCENARIO (run one scenario only; with --requirements it runs as
 * `--scenario <s> --spec-version <revision>`, since --requirements replaces --scenario).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { clearTimeout, setTimeout } from 'node:timers';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startConformanceUpstream } from './lib/conformance-upstream.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SPEC = 'specs/mcp-conformance.yaml';
/** The consumes namespace of the spec that the fixture upstream stands for. */
const FIXTURE_NAMESPACE = 'fixture';
const STARTUP_TIMEOUT_MS = 20_000;
const SUITE_TIMEOUT_MS = 300_000;
const PKG_0_1 = '@modelcontextprotocol/conformance@0.1.16';
/** The 0.2 line only exists as pre-releases: pin one (there is no 0.2.x range to resolve). */
const PKG_0_2 = '@modelcontextprotocol/conformance@0.2.0-alpha.12';

// Reasons shared by several modes.
const NO_SAMPLING =
  'sampling is a server-to-client request (sampling/createMessage); the Naftiko spec has no vocabulary for it';
const NO_ELICITATION =
  'elicitation is a server-to-client request (elicitation/create); the Naftiko spec has no vocabulary for it';
const NO_MRTR =
  'MRTR (SEP-2322): answering input_required needs a tool that asks the client for input (elicitation, sampling, roots); the Naftiko spec has no vocabulary for it';
const JSON_SCHEMA_2020_12 =
  'Naftiko inputParameters cannot declare $schema, $defs, $anchor, allOf/anyOf, if/then/else or additionalProperties: false';
const NO_MISSING_CAPABILITY =
  "needs test_missing_capability, a tool that requires the client's sampling capability (-32021, HTTP 400); no server-to-client vocabulary";
const NO_PROMPT_RESOURCE =
  'prompt messages are text (inline templates) or one image/audio file (`location`); no vocabulary embeds a resource in a prompt';
const TASKS = 'the tasks extension (io.modelcontextprotocol/tasks, SEP-2663) is not implemented';

/**
 * Suite 0.1.16, "active" suite (30 scenarios). Scenario → why the engine is expected to fail
 * it. Keep in sync with docs/mcp-conformance.md.
 */
const EXPECTED_0_1_16 = {
  'prompts-get-embedded-resource': NO_PROMPT_RESOURCE,
  'tools-call-sampling': NO_SAMPLING,
  'tools-call-elicitation': NO_ELICITATION,
  'elicitation-sep1034-defaults': NO_ELICITATION,
  'elicitation-sep1330-enums': NO_ELICITATION,
  // Not in the "active" suite of 0.1.16 (for CONFORMANCE_SCENARIO runs); server-sse-polling, not
  // listed, passes (without a test_reconnection tool the suite only warns).
  'json-schema-2020-12': JSON_SCHEMA_2020_12,
};

/** 2025-11-25 requirements (0.2.0-alpha.12): the 30 above at the 2025-11-25 wire + 3 unscored. */
const EXPECTED_2025_11_25 = {
  'prompts-get-embedded-resource': NO_PROMPT_RESOURCE,
  'tools-call-sampling': NO_SAMPLING,
  'tools-call-elicitation': NO_ELICITATION,
  'elicitation-sep1034-defaults': NO_ELICITATION,
  'elicitation-sep1330-enums': NO_ELICITATION,
  'json-schema-2020-12': JSON_SCHEMA_2020_12,
};

/** 2026-07-28 requirements (0.2.0-alpha.12): 37 scored scenarios + 13 unscored. */
const EXPECTED_2026_07_28 = {
  // server-stateless: every check but these three (diagnostic tools the spec cannot express).
  'server-stateless:sep-2575-server-rejects-undeclared-capability': NO_MISSING_CAPABILITY,
  'server-stateless:sep-2575-missing-capability-http-400': NO_MISSING_CAPABILITY,
  'server-stateless:sep-2575-http-server-no-independent-requests-on-stream':
    'needs test_streaming_elicitation, a tool that elicits input while it streams; no elicitation vocabulary',
  'prompts-get-embedded-resource': NO_PROMPT_RESOURCE,
  'input-required-result-basic-elicitation': NO_MRTR,
  'input-required-result-basic-sampling': NO_MRTR,
  'input-required-result-basic-list-roots': NO_MRTR,
  'input-required-result-request-state': NO_MRTR,
  'input-required-result-multiple-input-requests': NO_MRTR,
  'input-required-result-multi-round': NO_MRTR,
  'input-required-result-non-tool-request': NO_MRTR,
  'input-required-result-result-type': NO_MRTR,
  'input-required-result-tampered-state': NO_MRTR,
  'input-required-result-capability-check': NO_MRTR,
  // Unscored (run for visibility, never counted by the suite's verdict):
  'tasks-lifecycle': TASKS,
  'tasks-capability-negotiation': TASKS,
  'tasks-wire-fields': TASKS,
  'tasks-request-state-removal': TASKS,
  'tasks-mrtr-input': TASKS,
  'tasks-request-headers': TASKS,
  'tasks-dispatch-and-envelope': TASKS,
  'tasks-required-task-error': TASKS,
  'tasks-mrtr-composition': TASKS,
  'json-schema-2020-12': JSON_SCHEMA_2020_12,
  'http-custom-header-server-validation':
    'no tool parameter carries x-mcp-header (the engine does not annotate; SEP-2243 makes it optional), so the suite has nothing to test',
};

/** Scenarios a requirement set runs without scoring them (frozen with the set), and why. */
const NOT_SCORED_2026_07_28 = {
  ...Object.fromEntries(
    [
      'tasks-lifecycle',
      'tasks-capability-negotiation',
      'tasks-wire-fields',
      'tasks-request-state-removal',
      'tasks-mrtr-input',
      'tasks-request-headers',
      'tasks-dispatch-and-envelope',
      'tasks-status-notifications',
      'tasks-required-task-error',
      'tasks-mrtr-composition',
    ].map((s) => [s, 'extension']),
  ),
  'json-schema-2020-12': 'pending',
  'http-header-validation': 'pending',
  'http-custom-header-server-validation': 'pending',
};
const NOT_SCORED_2025_11_25 = {
  'server-session-lifecycle': 'added-after-release',
  'json-schema-2020-12': 'pending',
  'server-sse-polling': 'pending',
};

const MODES = {
  '0.1.16': {
    title: 'suite 0.1.16 (active)',
    pkg: PKG_0_1,
    args: [],
    scenarioArgs: (s) => ['--scenario', s],
    expected: EXPECTED_0_1_16,
    notScored: {},
  },
  '2026-07-28': {
    title: 'requirements 2026-07-28',
    pkg: PKG_0_2,
    args: ['--requirements', '2026-07-28'],
    scenarioArgs: (s) => ['--scenario', s, '--spec-version', '2026-07-28'],
    expected: EXPECTED_2026_07_28,
    notScored: NOT_SCORED_2026_07_28,
  },
  '2025-11-25': {
    title: 'requirements 2025-11-25',
    pkg: PKG_0_2,
    args: ['--requirements', '2025-11-25'],
    scenarioArgs: (s) => ['--scenario', s, '--spec-version', '2025-11-25'],
    expected: EXPECTED_2025_11_25,
    notScored: NOT_SCORED_2025_11_25,
  },
};

const USAGE = `usage: node scripts/mcp-conformance.mjs [--suite 0.1.16 | --requirements 2026-07-28|2025-11-25 | --all] [--out <dir>] [--verbose]`;

class UsageError extends Error {}

function parseArgs(argv) {
  const opts = { modes: [], out: undefined, verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    if (arg === '--suite') {
      const v = value();
      if (v !== '0.1.16') throw new UsageError(`unknown suite ${v} (known: 0.1.16)`);
      opts.modes.push('0.1.16');
    } else if (arg === '--requirements') {
      const v = value();
      if (!['2026-07-28', '2025-11-25'].includes(v)) {
        throw new UsageError(`unknown requirement set ${v} (known: 2026-07-28, 2025-11-25)`);
      }
      opts.modes.push(v);
    } else if (arg === '--all') opts.modes.push('0.1.16', '2026-07-28', '2025-11-25');
    else if (arg === '--out') opts.out = path.resolve(value());
    else if (arg === '--verbose') opts.verbose = true;
    else if (arg === '--help' || arg === '-h') opts.help = true;
    else throw new UsageError(`unknown argument ${arg}`);
  }
  opts.modes = [...new Set(opts.modes)];
  if (opts.modes.length === 0) opts.modes = ['0.1.16'];
  return opts;
}

function startEngine(fixtureUrl) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        'dist/cli/main.js',
        'run',
        SPEC,
        '--port',
        '*=0',
        '--base-uri',
        `${FIXTURE_NAMESPACE}=${fixtureUrl}`,
        '--log-format',
        'json',
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const log = [];
    let url;
    let settled = false;
    const timer = setTimeout(
      () => fail(new Error('engine did not become ready in time')),
      STARTUP_TIMEOUT_MS,
    );
    function fail(err) {
      clearTimeout(timer);
      if (settled) return;
      settled = true;
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
      if (ev.event === 'capability.ready' && !settled) {
        clearTimeout(timer);
        if (!url) return fail(new Error('engine ready without an MCP adapter.listening line'));
        settled = true;
        resolve({ child, url, log });
      }
    };
    createInterface({ input: child.stdout }).on('line', onLine);
    createInterface({ input: child.stderr }).on('line', onLine);
    child.on('error', fail);
    child.on('exit', (code) => {
      if (!settled) fail(new Error(`engine exited (${code}) before it was ready`));
    });
  });
}

function stopEngine(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** The suite's own arguments for a mode (after `--url <u> -o <dir>`). */
function suiteArgs(mode) {
  const scenario = process.env.CONFORMANCE_SCENARIO;
  return scenario ? mode.scenarioArgs(scenario) : mode.args;
}

function runSuite(mode, url, outDir) {
  const args = [
    '-y',
    '-p',
    'node@22',
    '-p',
    mode.pkg,
    '--',
    'conformance',
    'server',
    '--url',
    url,
    '-o',
    outDir,
    ...suiteArgs(mode),
  ];
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
    const successes = checks.filter((c) => c.status === 'SUCCESS');
    results.push({ scenario: m[1], checks, failures, successes });
  }
  return results;
}

/**
 * The verdict of one scenario under a map of expected failures: `pass`, `xfail` (every failing
 * check is excused, by the scenario's key or by `scenario:check-id` keys) or `fail`; `stale` lists
 * the keys that excused nothing although the scenario ran (a fix landed: remove them).
 */
function judge(result, expected) {
  const whole = expected[result.scenario];
  const perCheck = Object.keys(expected).filter((k) => k.startsWith(`${result.scenario}:`));
  const failingIds = new Set(result.failures.map((c) => c.id));
  const stale = [];
  if (whole !== undefined && result.failures.length === 0) stale.push(result.scenario);
  // A listed check that ran and did not fail is stale; one that did not run at all (the scenario
  // stopped before it) is not.
  const ranIds = new Set(result.checks.map((c) => c.id));
  for (const key of perCheck) {
    const id = key.slice(result.scenario.length + 1);
    if (ranIds.has(id) && !failingIds.has(id)) stale.push(key);
  }
  if (result.failures.length === 0) return { verdict: 'pass', stale, reasons: [] };
  if (whole !== undefined) return { verdict: 'xfail', stale, reasons: [whole] };
  const unexcused = result.failures.filter(
    (c) => expected[`${result.scenario}:${c.id}`] === undefined,
  );
  if (unexcused.length === 0) {
    const reasons = [
      ...new Set(result.failures.map((c) => expected[`${result.scenario}:${c.id}`])),
    ];
    return { verdict: 'xfail', stale, reasons };
  }
  return { verdict: 'fail', stale, reasons: [], unexcused };
}

const describeFailures = (checks) =>
  checks.map((c) => `${c.id}: ${(c.errorMessage ?? 'failed').replace(/\s+/g, ' ')}`).join(' | ');

/** Runs one mode against the running engine; prints its lines; returns its counts. */
async function runMode(name, engineUrl, opts) {
  const mode = MODES[name];
  const pkg =
    opts.modes.length === 1 && process.env.CONFORMANCE_PKG ? process.env.CONFORMANCE_PKG : mode.pkg;
  const started = Date.now();
  const outDir = opts.out
    ? path.join(opts.out, name)
    : mkdtempSync(path.join(tmpdir(), `mcp-conformance-${name}-`));
  if (opts.out) {
    rmSync(outDir, { recursive: true, force: true });
    mkdirSync(outDir, { recursive: true });
  }
  console.log(`\n=== ${mode.title}: ${pkg} ${suiteArgs(mode).join(' ')}`.trimEnd() + ' ===');
  try {
    const suite = await runSuite({ ...mode, pkg }, engineUrl, outDir);
    if (opts.verbose) console.log(suite.output);
    const results = readResults(outDir);
    if (results.length === 0) {
      if (!opts.verbose) console.error(suite.output);
      console.error(`conformance (${name}): the suite produced no scenario results`);
      return { name, error: true, passed: 0, failed: 0, expected: 0 };
    }
    let passed = 0;
    let expectedCount = 0;
    const unexpected = [];
    const stale = [];
    const checks = { passed: 0, failed: 0, scoredPassed: 0, scoredFailed: 0 };
    const scored = { passed: 0, total: 0 };
    for (const r of results) {
      const unscored = mode.notScored[r.scenario];
      checks.passed += r.successes.length;
      checks.failed += r.failures.length;
      if (!unscored) {
        checks.scoredPassed += r.successes.length;
        checks.scoredFailed += r.failures.length;
        scored.total++;
      }
      const tag = unscored ? ` [not scored: ${unscored}]` : '';
      const j = judge(r, mode.expected);
      stale.push(...j.stale);
      if (j.verdict === 'pass') {
        passed++;
        if (!unscored) scored.passed++;
        console.log(`PASS  ${r.scenario}${tag}`);
      } else if (j.verdict === 'xfail') {
        expectedCount++;
        console.log(
          `XFAIL ${r.scenario}${tag} — ${j.reasons.join('; ')}\n        suite: ${describeFailures(r.failures)}`,
        );
      } else {
        unexpected.push(r.scenario);
        console.log(`FAIL  ${r.scenario}${tag}\n        suite: ${describeFailures(j.unexcused)}`);
      }
    }
    for (const s of stale) {
      console.log(
        `note: ${s} now passes; remove it from the ${name} EXPECTED_FAILURES (and the doc)`,
      );
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      `checks (${name}): ${checks.passed} passed, ${checks.failed} failed` +
        (Object.keys(mode.notScored).length
          ? `; scored scenarios only: ${checks.scoredPassed} passed, ${checks.scoredFailed} failed; ${scored.passed} of ${scored.total} scored scenarios pass`
          : ''),
    );
    console.log(
      `conformance (${name}): ${passed} passed, ${unexpected.length} failed, ${expectedCount} expected failures (${results.length} scenarios, ${seconds}s)`,
    );
    if (unexpected.length) console.log(`unexpected failures: ${unexpected.join(', ')}`);
    console.log(`${passed} passed, ${unexpected.length + expectedCount} failed`);
    return {
      name,
      error: false,
      passed,
      failed: unexpected.length,
      expected: expectedCount,
    };
  } finally {
    if (!opts.out) rmSync(outDir, { recursive: true, force: true });
  }
}

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`conformance: ${err.message}\n${USAGE}`);
    return 2;
  }
  if (opts.help) {
    console.log(USAGE);
    return 0;
  }
  const started = Date.now();
  const fixture = await startConformanceUpstream();
  let engine;
  const summaries = [];
  try {
    engine = await startEngine(fixture.url);
    console.log(`engine: MCP adapter at ${engine.url}; fixture upstream at ${fixture.url}`);
    for (const name of opts.modes) {
      if (engine.child.exitCode !== null || engine.child.signalCode !== null) {
        console.error(`conformance (${name}): the engine is no longer running`);
        console.error(engine.log.slice(-20).join('\n'));
        summaries.push({ name, error: true, passed: 0, failed: 0, expected: 0 });
        continue;
      }
      summaries.push(await runMode(name, engine.url, opts));
    }
  } finally {
    if (engine) await stopEngine(engine.child);
    await fixture.close();
  }
  if (opts.verbose) console.log(`fixture requests: ${JSON.stringify(fixture.requests)}`);
  if (summaries.length > 1) {
    const sum = (k) => summaries.reduce((n, s) => n + s[k], 0);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      `\nconformance (${summaries.map((s) => s.name + (s.error ? ' did not run' : '')).join(', ')}): ${sum('passed')} passed, ${sum('failed')} failed, ${sum('expected')} expected failures (${seconds}s)`,
    );
    console.log(`${sum('passed')} passed, ${sum('failed') + sum('expected')} failed`);
  }
  if (summaries.some((s) => s.error)) return 2;
  return summaries.some((s) => s.failed > 0) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`conformance: ${err.message}`);
    process.exit(2);
  },
);
