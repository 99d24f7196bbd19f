/**
 * Validation throughput over the real-world corpus (../shared/corpus, listed by its INDEX.tsv),
 * using the BUILT validator (dist/), as `naftiko validate` runs it: one process, files one after
 * the other, a fresh validator per round.
 *
 * Per level (engine, then strict), in its own child process so that each level starts cold:
 * one cold round (includes compiling the JSON Schemas), then 3 timed rounds; prints files/second
 * per round, the median, the cold round's wall time and the process's peak RSS.
 *
 *   npm run bench:validate                      # builds, then both levels
 *   node bench/validate-corpus.mjs              # both levels (dist/ must be built)
 *   node bench/validate-corpus.mjs --level strict [--json]
 *
 * Dependency-free on purpose: Node built-ins only.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

const SCRIPT = fileURLToPath(import.meta.url);
const REPO_ROOT = path.resolve(path.dirname(SCRIPT), '..');
const CORPUS_DIR = path.resolve(REPO_ROOT, '../shared/corpus');
const INDEX = path.join(CORPUS_DIR, 'INDEX.tsv');
const VALIDATOR = path.join(REPO_ROOT, 'dist/spec/validate.js');
const ROUNDS = 3;
const TARGET_SECONDS = 3;
const LEVELS = ['engine', 'strict'];

function fail(message) {
  console.error(`validate-corpus: ${message}`);
  process.exit(1);
}

function corpusFiles() {
  if (!existsSync(INDEX)) {
    fail(
      `corpus not found: ${INDEX} does not exist.\n` +
        `The benchmark reads the corpus in place from ../shared/corpus next to the repository.`,
    );
  }
  const [header = '', ...lines] = readFileSync(INDEX, 'utf8').split(/\r?\n/);
  const column = header.split('\t').indexOf('file');
  if (column < 0) fail(`${INDEX} has no 'file' column`);
  const files = lines
    .filter((line) => line.trim() !== '')
    .map((line) => path.join(CORPUS_DIR, line.split('\t')[column]));
  if (files.length === 0) fail(`${INDEX} lists no files`);
  const missing = files.filter((file) => !existsSync(file));
  if (missing.length > 0) fail(`${missing.length} indexed file(s) missing, e.g. ${missing[0]}`);
  return files;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** One level, in this process. */
async function runLevel(level, files) {
  const importStart = performance.now();
  const { createValidator } = await import(pathToFileURL(VALIDATOR).href);
  const importMs = performance.now() - importStart;

  const round = async () => {
    const validator = createValidator({ strict: level === 'strict' });
    let invalid = 0;
    const start = performance.now();
    for (const file of files) {
      const result = await validator.validateFile(file);
      if (result.diagnostics.some((d) => d.severity === 'error')) invalid++;
    }
    return { ms: performance.now() - start, invalid };
  };

  const cold = await round();
  const rounds = [];
  for (let i = 0; i < ROUNDS; i++) rounds.push(await round());
  const perSecond = rounds.map((r) => (files.length * 1000) / r.ms);
  return {
    level,
    files: files.length,
    invalid: cold.invalid,
    importMs,
    coldMs: cold.ms,
    roundsMs: rounds.map((r) => r.ms),
    filesPerSecond: perSecond,
    medianFilesPerSecond: median(perSecond),
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
}

const fmt = (n, digits = 0) => n.toFixed(digits);

function print(r) {
  const coldSeconds = r.coldMs / 1000;
  console.log(`${r.level}: ${r.files} files (${r.invalid} with errors)`);
  console.log(`  import of dist/spec/validate.js   ${fmt(r.importMs)} ms`);
  console.log(
    `  cold round (schema compile)        ${fmt(r.coldMs)} ms, ${fmt((r.files * 1000) / r.coldMs)} files/s`,
  );
  r.roundsMs.forEach((ms, i) =>
    console.log(
      `  round ${i + 1}                            ${fmt(ms)} ms, ${fmt(r.filesPerSecond[i])} files/s`,
    ),
  );
  console.log(`  median                             ${fmt(r.medianFilesPerSecond)} files/s`);
  console.log(`  peak RSS                           ${fmt(r.peakRssMb)} MB`);
  console.log(
    `  target ${r.files} files < ${TARGET_SECONDS} s cold: ${coldSeconds < TARGET_SECONDS ? 'met' : 'MISSED'} (${fmt(coldSeconds, 2)} s)`,
  );
}

const args = process.argv.slice(2);
const levelAt = args.indexOf('--level');
const level = levelAt >= 0 ? args[levelAt + 1] : undefined;
const json = args.includes('--json');

if (level !== undefined && !LEVELS.includes(level)) fail(`--level must be one of ${LEVELS}`);
if (!existsSync(VALIDATOR)) fail(`${VALIDATOR} not found; run \`npm run build\` first`);
const files = corpusFiles();

if (level !== undefined) {
  const result = await runLevel(level, files);
  if (json) console.log(JSON.stringify(result));
  else print(result);
} else {
  console.log(
    `validate-corpus: node ${process.version}, ${files.length} files from ${path.relative(REPO_ROOT, CORPUS_DIR)}, ` +
      `1 cold + ${ROUNDS} rounds per level, each level in its own process\n`,
  );
  for (const each of LEVELS) {
    const out = execFileSync(process.execPath, [SCRIPT, '--level', each, '--json'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    print(JSON.parse(out));
  }
}
