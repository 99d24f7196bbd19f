#!/usr/bin/env node
// CI smoke test with the MCP Inspector's CLI (issue 4): runs the seed, lists its tools through
// `mcp-inspector --cli <url> --transport http --method tools/list` (Node 22 via npx), and checks
// the three Gong tools are there. Only localhost is contacted (npx fetches from the npm registry).
// Usage: npm run build && node scripts/mcp-inspector-smoke.mjs
import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { clearTimeout, setTimeout } from 'node:timers';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PKG = process.env.INSPECTOR_PKG ?? '@modelcontextprotocol/inspector';
const TOOLS = [
  'gong-register-crm-integration',
  'gong-get-crm-integration-details',
  'gong-delete-crm-integration',
];

const engine = spawn(
  process.execPath,
  [
    path.join(ROOT, 'dist/cli/main.js'),
    'run',
    path.join(ROOT, 'specs/crm-crm-integration.yaml'),
    '--port',
    '*=0',
    '--log-format',
    'json',
  ],
  {
    env: { ...process.env, GONG_API_KEY: 'inspector-smoke' },
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
let code = 1;
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
  const output = await new Promise((resolve, reject) => {
    execFile(
      'npx',
      [
        '-y',
        '-p',
        'node@22',
        '-p',
        PKG,
        '--',
        'mcp-inspector',
        '--cli',
        url,
        '--transport',
        'http',
        '--method',
        'tools/list',
      ],
      { timeout: 300_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) =>
        err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
    );
  });
  const listed = (JSON.parse(output).tools ?? []).map((t) => t.name);
  const missing = TOOLS.filter((name) => !listed.includes(name));
  if (missing.length === 0) {
    console.log(
      `mcp-inspector: tools/list over ${url} lists ${listed.length} tools: ${listed.join(', ')}`,
    );
    code = 0;
  } else {
    console.error(
      `mcp-inspector: missing tools ${missing.join(', ')} (listed: ${listed.join(', ') || 'none'})`,
    );
  }
} catch (err) {
  console.error(
    `mcp-inspector smoke test failed: ${err instanceof Error ? err.message : String(err)}`,
  );
} finally {
  engine.kill('SIGTERM');
}
process.exitCode = code;
