#!/usr/bin/env node
// CI smoke test with the MCP Inspector's CLI (issues 4 and 9), run on Node 22 through npx:
// 1. the seed: `mcp-inspector --cli <url> --transport http --method tools/list` lists its three
//    Gong tools;
// 2. the seed with its MCP adapter locked by a bearer token (a temporary copy with
//    `authentication` added): the Inspector is refused without `--header`, and lists the tools
//    with `--header "Authorization: Bearer …"`.
// Only localhost is contacted (npx fetches from the npm registry).
// Usage: npm run build && node scripts/mcp-inspector-smoke.mjs
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { clearTimeout, setTimeout } from 'node:timers';
import { fileURLToPath } from 'node:url';
import jsYaml from 'js-yaml';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Pinned: the CLI's options and output changed across major versions (--header came with 2.x).
const PKG = process.env.INSPECTOR_PKG ?? '@modelcontextprotocol/inspector@2.12.0';
const SEED = path.join(ROOT, 'specs/crm-crm-integration.yaml');
const TOOLS = [
  'gong-register-crm-integration',
  'gong-get-crm-integration-details',
  'gong-delete-crm-integration',
];
const TOKEN = 'inspector-smoke-token-4f1c';

/** Starts `naftiko run <spec>` and resolves with the engine process and its MCP URL. */
async function startEngine(spec, env) {
  const engine = spawn(
    process.execPath,
    [path.join(ROOT, 'dist/cli/main.js'), 'run', spec, '--port', '*=0', '--log-format', 'json'],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    const url = await new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('the engine did not start within 20 s')),
        20_000,
      );
      engine.once('exit', (c) => reject(new Error(`the engine exited (${c})`)));
      let mcp;
      createInterface({ input: engine.stdout }).on('line', (line) => {
        const event = JSON.parse(line);
        if (event.event === 'adapter.listening' && event.type === 'mcp') mcp = event.url;
        if (event.event === 'capability.ready') {
          clearTimeout(timer);
          if (mcp) resolve(mcp);
          else reject(new Error('no MCP adapter listening'));
        }
      });
    });
    return { engine, url };
  } catch (err) {
    engine.kill('SIGTERM');
    throw err;
  }
}

/** Runs the Inspector CLI's tools/list against a URL; resolves with { ok, stdout, stderr }. */
function listTools(url, headers = []) {
  const args = ['-y', '-p', 'node@22', '-p', PKG, '--', 'mcp-inspector', '--cli', url];
  args.push('--transport', 'http', '--method', 'tools/list');
  for (const header of headers) args.push('--header', header);
  return new Promise((resolve) => {
    execFile(
      'npx',
      args,
      { timeout: 300_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => resolve({ ok: !err, stdout, stderr }),
    );
  });
}

function toolNames(stdout) {
  return (JSON.parse(stdout).tools ?? []).map((t) => t.name);
}

function checkTools(label, result) {
  if (!result.ok) throw new Error(`${label}: the Inspector failed\n${result.stderr}`);
  const listed = toolNames(result.stdout);
  const missing = TOOLS.filter((name) => !listed.includes(name));
  if (missing.length > 0) {
    throw new Error(`${label}: missing tools ${missing.join(', ')} (listed: ${listed.join(', ')})`);
  }
  console.log(`mcp-inspector: ${label}: tools/list lists ${listed.length} tools`);
}

/** The seed with its MCP adapter locked by a bearer token bound to INSPECTOR_SMOKE_TOKEN. */
function lockedSeed(dir) {
  const doc = jsYaml.load(readFileSync(SEED, 'utf8'));
  doc.binds = [
    ...(doc.binds ?? []),
    { namespace: 'inbound', keys: { MCP_TOKEN: 'INSPECTOR_SMOKE_TOKEN' } },
  ];
  for (const adapter of doc.capability.exposes) {
    if (adapter.type === 'mcp') adapter.authentication = { type: 'bearer', token: '{{MCP_TOKEN}}' };
  }
  const file = path.join(dir, 'locked-seed.yaml');
  writeFileSync(file, jsYaml.dump(doc));
  return file;
}

const running = [];
const dir = mkdtempSync(path.join(tmpdir(), 'naftiko-inspector-'));
let code = 1;
try {
  const open = await startEngine(SEED, { GONG_API_KEY: 'inspector-smoke' });
  running.push(open.engine);
  checkTools(`open seed at ${open.url}`, await listTools(open.url));

  const locked = await startEngine(lockedSeed(dir), {
    GONG_API_KEY: 'inspector-smoke',
    INSPECTOR_SMOKE_TOKEN: TOKEN,
  });
  running.push(locked.engine);
  const refused = await listTools(locked.url);
  if (refused.ok) throw new Error('locked seed: the Inspector listed tools without a token');
  if (!/401|nauthori|auth_required/.test(refused.stdout + refused.stderr)) {
    throw new Error(`locked seed: refused, but not for authentication\n${refused.stderr}`);
  }
  console.log('mcp-inspector: locked seed: refused without --header (authentication required)');
  checkTools(
    `locked seed at ${locked.url} with --header`,
    await listTools(locked.url, [`Authorization: Bearer ${TOKEN}`]),
  );
  code = 0;
} catch (err) {
  console.error(
    `mcp-inspector smoke test failed: ${err instanceof Error ? err.message : String(err)}`,
  );
} finally {
  for (const engine of running) engine.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
process.exitCode = code;
