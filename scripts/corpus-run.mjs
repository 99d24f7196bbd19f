#!/usr/bin/env node
// Runs every corpus file (../shared/corpus) that passes engine-level validation with the built
// CLI against a catch-all local upstream, calls every REST operation it declares with plausible
// inputs, and reports what answers (any status but 404/405), what fails to start and why, and
// the engine errors (5xx). Uses dist/ (run `npm run build` first). Traffic stays on 127.0.0.1.
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
  `corpus: ${corpusFiles} files, ${engineValid} pass engine-level validation` +
    (files.length !== engineValid ? ` (${files.length} selected)` : ''),
);
line(
  `started: ${summary.started} (${summary.startedWithRestAdapter} with a REST adapter); ` +
    `failed to start: ${summary.failedToStart} ` +
    `(${summary.failedToStartWithLocatedBindings} with file:// or other located bindings)`,
);
for (const [reason, list] of Object.entries(summary.startFailures).sort(
  (a, b) => b[1].length - a[1].length,
)) {
  line(`  ${list.length} × ${reason}`);
  for (const f of list.slice(0, 8)) line(`      ${f.replace(/^files\//, '')}`);
  if (list.length > 8) line(`      … ${list.length - 8} more`);
}
line(
  `REST operations: ${summary.restOperations}; answered (not 404/405): ${summary.answered}; ` +
    `404/405 or no answer: ${summary.notAnswered}`,
);
line(
  `  statuses: ${Object.entries(summary.statuses)
    .map(([s, n]) => `${s}×${n}`)
    .join(', ')}`,
);
for (const op of summary.notAnsweredList) line(`  ${describe(op)}`);
line(`5xx (engine errors): ${summary.serverErrors5xx}`);
for (const [code, list] of Object.entries(summary.serverErrorsByCode)) {
  line(`  ${code}: ${list.length}`);
  for (const op of list.slice(0, 5)) line(`    ${describe(op)}`);
}
const clientCodes = Object.entries(summary.clientErrorsByCode);
if (clientCodes.length > 0) {
  line(`4xx other than 404/405 (answered, listed for input plausibility):`);
  for (const [code, list] of clientCodes) {
    line(`  ${code}: ${list.length}`);
    for (const op of list.slice(0, 3)) line(`    ${describe(op)}`);
  }
  for (const [reason, list] of Object.entries(summary.inputInvalidReasons).sort(
    (a, b) => b[1].length - a[1].length,
  )) {
    line(`  INPUT_INVALID ${list.length} × ${reason}`);
  }
}
if (summary.retriedWithMissingPlaceholders > 0) {
  line(
    `retried with the missing consumed path placeholders as query parameters: ` +
      `${summary.retriedWithMissingPlaceholders} → ${Object.entries(summary.retryStatuses)
        .map(([k, n]) => `${k} ×${n}`)
        .join(', ')}`,
  );
  for (const r of summary.retryServerErrors.slice(0, 5)) {
    line(`  ${r.file} ${r.method} ${r.target} → ${r.status} ${r.code ?? ''} ${r.detail ?? ''}`);
  }
}
if (summary.forwards.length > 0) {
  line(`forward resources probed: ${summary.forwards.length / 2}`);
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
if (summary.internalLogs.length > 0) {
  line(`files that logged request.failed / errors: ${summary.internalLogs.length}`);
}
line(
  `outgoing connections blocked (non-loopback): ${summary.guardBlocked.length === 0 ? 'none' : JSON.stringify(summary.guardBlocked)}`,
);
line(`upstream requests: ${upstream.requests.length}; ${report.seconds} s; report: ${out}`);
