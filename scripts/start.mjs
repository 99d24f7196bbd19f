#!/usr/bin/env node
// `npm start`: the main job on a machine with no internet. Starts the local stand-in of Gong's
// CRM Integration API (examples/gong-sandbox) and runs the seed capability against it:
//   naftiko run specs/crm-crm-integration.yaml --base-uri crm-crm-integration=<sandbox>/v2
// REST is then on http://localhost:8080 (see the README for curl examples). Ctrl-C stops both.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startGongSandbox } from '../examples/gong-sandbox/server.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const token = process.env.GONG_API_KEY ?? 'sandbox-token';
const sandbox = await startGongSandbox({
  port: Number(process.env.GONG_SANDBOX_PORT ?? 8081),
  token,
});
console.log(`gong-sandbox (stand-in for https://api.gong.io/v2) on ${sandbox.url}`);

const child = spawn(
  process.execPath,
  [
    path.join(root, 'dist/cli/main.js'),
    'run',
    path.join(root, 'specs/crm-crm-integration.yaml'),
    '--base-uri',
    `crm-crm-integration=${sandbox.url}`,
    ...process.argv.slice(2),
  ],
  { stdio: 'inherit', env: { ...process.env, GONG_API_KEY: token } },
);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => child.kill(signal));
}
child.on('exit', async (code, signal) => {
  await sandbox.close();
  process.exit(code ?? (signal ? 0 : 1));
});
