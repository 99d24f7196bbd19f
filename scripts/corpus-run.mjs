#!/usr/bin/env node
// Runs every corpus file (../shared/corpus) that passes engine-level validation with the built
// CLI against a catch-all local upstream, calls every REST operation it declares with a request
// built from the adapter's own /openapi.json (required inputs with values of their declared
// types), and reports (issue 10) what boots and what does not (with the reason), and per
// operation the status class: 2xx/3xx, 4xx (with the problem+json code and detail), 5xx (an
// upstream relay, or an engine error with its code). Failures that a known exception of
// scripts/lib/corpus-exceptions.mjs does not explain are listed as "unexplained".
// Uses dist/ (run `npm run build` first). Traffic stays on 127.0.0.1.
//
// Usage: node scripts/corpus-run.mjs [--out /tmp/corpus-run.json] [--concurrency 3]
//                                    [--filter <substring>] [--limit <n>]
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  CLI_MAIN,
  CORPUS_DIR,
  engineValidFiles,
  killAllCapabilities,
  pool,
  readCorpusFiles,
  runCapabilityFile,
  startCatchAllUpstream,
  summarize,
} from './lib/corpus-run-core.mjs';

function option(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const out = path.resolve(option('--out', '/tmp/corpus-run.json'));
const concurrency = Math.max(1, Math.min(8, Number(option('--concurrency', '3')) || 3));
const filter = option('--filter', undefined);
const limit = option('--limit', undefined);

if (!existsSync(path.join(CORPUS_DIR, 'INDEX.tsv'))) {
  console.error(`no corpus at ${CORPUS_DIR}`);
  process.exit(2);
}
if (!existsSync(CLI_MAIN)) {
  console.error(`no ${CLI_MAIN}: run npm run build first`);
  process.exit(2);
}

const began = Date.now();
const corpusFiles = readCorpusFiles().length;
let files = await engineValidFiles();
const engineValid = files.length;
if (filter !== undefined) files = files.filter((f) => f.file.includes(filter));
if (limit !== undefined) files = files.slice(0, Number(limit));

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    killAllCapabilities();
    process.exit(130);
  });
}

const upstream = await startCatchAllUpstream();
let done = 0;
let results;
try {
  results = await pool(files, concurrency, async (entry) => {
    const result = await runCapabilityFile(entry, upstream.url);
    done++;
    if (process.stderr.isTTY) process.stderr.write(`\r${done}/${files.length} files`);
    else if (done % 50 === 0) process.stderr.write(`${done}/${files.length} files\n`);
    return result;
  });
  if (process.stderr.isTTY) process.stderr.write('\n');
} finally {
  await upstream.close();
}

const summary = summarize(results, engineValid);
const report = {
  generatedAt: new Date().toISOString(),
  corpusDir: CORPUS_DIR,
  corpusFiles,
  seconds: Math.round((Date.now() - began) / 100) / 10,
  upstreamRequests: upstream.requests.length,
  summary,
  files: results,
};
writeFileSync(out, JSON.stringify(report, null, 2) + '\n');

// ----- printed summary
const line = (text = '') => console.log(text);
const describe = (op) =>
  `${op.file.replace(/^files\//, '')} ${op.adapter}: ${op.method} ${op.target} → ${op.status}` +
  `${op.code ? ` ${op.code}` : ''}${op.detail ? ` (${op.detail.slice(0, 160)})` : ''}${op.error ? ` [${op.error}]` : ''}`;

line(
  `corpus: ${corpusFiles} files; engine-valid: ${engineValid}` +
    (files.length !== engineValid ? ` (${files.length} selected)` : ''),
);
line(
  `booted: ${summary.booted} (${summary.bootedWithRestAdapter} with a REST adapter); ` +
    `failed to boot: ${summary.failedToBoot} ` +
    `(${summary.failedToBootWithLocatedBindings} with file:// or other located bindings)`,
);
for (const [reason, list] of Object.entries(summary.bootFailures).sort(
  (a, b) => b[1].length - a[1].length,
)) {
  line(`  ${list.length} × ${reason}`);
  for (const f of list.slice(0, 8)) line(`      ${f.replace(/^files\//, '')}`);
  if (list.length > 8) line(`      … ${list.length - 8} more`);
}
line(
  `REST operations called: ${summary.restOperations}; non-4xx: ${summary.nonClientError} ` +
    `(2xx/3xx ${summary.byClass.ok}, 5xx upstream relay ${summary.byClass['upstream-relay']}, ` +
    `5xx engine ${summary.byClass['engine-error']}); 4xx: ${summary.clientErrors4xx}; ` +
    `no answer: ${summary.byClass['no-answer']}`,
);
line(
  `  statuses: ${Object.entries(summary.statuses)
    .map(([s, n]) => `${s}×${n}`)
    .join(', ')}`,
);
const groups = [
  ['4xx', summary.clientErrorsByCode],
  ['5xx (engine error)', summary.engineErrors5xx],
  ['5xx (upstream relay)', summary.upstreamRelays5xx],
];
for (const [title, byCode] of groups) {
  const entries = Object.entries(byCode);
  if (entries.length === 0) continue;
  line(`${title} by code:`);
  for (const [code, list] of entries) {
    line(`  ${code}: ${list.length}`);
    for (const op of list.slice(0, 8)) {
      line(`    ${describe(op)}${op.exception ? ` — known exception: ${op.exception}` : ''}`);
    }
    if (list.length > 8) line(`    … ${list.length - 8} more`);
  }
}
for (const op of summary.noAnswer) line(`no answer: ${describe(op)}`);
if (summary.forwards.length > 0) {
  line(`forward resources probed (2 GETs each): ${summary.forwards.length / 2}`);
  for (const f of summary.forwards) {
    line(
      `  ${f.file.replace(/^files\//, '')} GET ${f.target} → ${f.status}${f.code ? ` ${f.code}` : ''}`,
    );
  }
}
if (summary.adaptersWithoutOpenApi.length > 0) {
  line(`adapters without a usable /openapi.json: ${summary.adaptersWithoutOpenApi.length}`);
}
if (summary.operationsMissingFromOpenApi.length > 0) {
  line(`operations missing from /openapi.json: ${summary.operationsMissingFromOpenApi.length}`);
  for (const o of summary.operationsMissingFromOpenApi.slice(0, 10)) line(`  ${o}`);
}
if (summary.exitedBeforeStop.length > 0) {
  const codes = {};
  for (const e of summary.exitedBeforeStop) {
    const key = `${e.adapters} REST adapters, exit ${e.exit?.code ?? e.exit?.signal}`;
    codes[key] = (codes[key] ?? 0) + 1;
  }
  line(
    `started, then exited before SIGTERM: ${summary.exitedBeforeStop.length} ` +
      `(${Object.entries(codes)
        .map(([k, n]) => `${n} × ${k}`)
        .join(', ')})`,
  );
  for (const e of summary.exitedBeforeStop.slice(0, 5)) line(`  ${e.file.replace(/^files\//, '')}`);
  if (summary.exitedBeforeStop.length > 5) line(`  … ${summary.exitedBeforeStop.length - 5} more`);
}
if (summary.stopNotClean.length > 0) {
  line(`SIGTERM did not end with exit 0: ${summary.stopNotClean.length}`);
  for (const s of summary.stopNotClean.slice(0, 10)) line(`  ${s.file} ${JSON.stringify(s.stop)}`);
}
const explained = summary.bootFailureList.filter((b) => b.exception !== undefined);
if (explained.length > 0) {
  line(`failed boots explained by a known exception: ${explained.length}`);
  const reasons = {};
  for (const b of explained) (reasons[b.exception] ??= []).push(b.file);
  for (const [reason, list] of Object.entries(reasons)) line(`  ${list.length} × ${reason}`);
}
line(`unexplained (not a known exception): ${summary.unexplained.length}`);
for (const u of summary.unexplained) line(`  ${u.replace(/^files\//, '')}`);
if (summary.internalLogs.length > 0) {
  line(`files that logged request.failed / errors: ${summary.internalLogs.length}`);
}
line(
  `outgoing connections blocked (non-loopback): ${summary.guardBlocked.length === 0 ? 'none' : JSON.stringify(summary.guardBlocked)}`,
);
line(`upstream requests: ${upstream.requests.length}; ${report.seconds} s; report: ${out}`);
