/**
 * Validation throughput over the real-world corpus (../shared/corpus, listed by its INDEX.tsv),
 * using the BUILT validator (dist/), as `naftiko validate` runs it: one process, files one after
 * the other, a fresh validator per round.
 *
 * Per level (engine, then strict), in its own child process so that each level starts cold:
 * one cold round, then 3 timed rounds; prints files/second and MB/s of YAML per round, the
 * median, the cold round's wall time and the process's peak RSS. Then the end-to-end CLI, as CI
 * runs it: `node dist/cli/main.js validate --format json <corpus>/files`, cold, per level
 * (process start, folder scan, validation and JSON output), wall and CPU time.
 *
 * Target (issue 12): at least 10 MB of YAML per second, end to end, in one process.
 *
 *   npm run bench:validate                      # builds, then both levels
 *   node bench/validate-corpus.mjs              # both levels (dist/ must be built)
 *   node bench/validate-corpus.mjs --level strict [--json]
 *
 * Dependency-free on purpose: Node built-ins only.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

const SCRIPT = fileURLToPath(import.meta.url);
const REPO_ROOT = path.resolve(path.dirname(SCRIPT), '..');
const CORPUS_DIR = path.resolve(REPO_ROOT, '../shared/corpus');
const INDEX = path.join(CORPUS_DIR, 'INDEX.tsv');
const VALIDATOR = path.join(REPO_ROOT, 'dist/spec/validate.js');
const CLI = path.join(REPO_ROOT, 'dist/cli/main.js');
const ROUNDS = 3;
const TARGET_SECONDS = 3;
/** MB (10^6 bytes) of YAML per second, end to end. */
const TARGET_MB_PER_SECOND = 10;
const CLI_RUNS = 3;
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
    const cpu = process.cpuUsage();
    const start = performance.now();
    for (const file of files) {
      const result = await validator.validateFile(file);
      if (result.diagnostics.some((d) => d.severity === 'error')) invalid++;
    }
    const used = process.cpuUsage(cpu);
    return { ms: performance.now() - start, cpuMs: (used.user + used.system) / 1000, invalid };
  };

  const cold = await round();
  const rounds = [];
  for (let i = 0; i < ROUNDS; i++) rounds.push(await round());
  const perSecond = rounds.map((r) => (files.length * 1000) / r.ms);
  const mb = megabytes(files);
  const mbPerSecond = rounds.map((r) => (mb * 1000) / r.ms);
  return {
    level,
    files: files.length,
    mb,
    coldMbPerSecond: (mb * 1000) / cold.ms,
    mbPerSecond,
    medianMbPerSecond: median(mbPerSecond),
    invalid: cold.invalid,
    importMs,
    coldMs: cold.ms,
    coldCpuMs: cold.cpuMs,
    roundsMs: rounds.map((r) => r.ms),
    roundsCpuMs: rounds.map((r) => r.cpuMs),
    filesPerSecond: perSecond,
    medianFilesPerSecond: median(perSecond),
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
}

const fmt = (n, digits = 0) => n.toFixed(digits);

/** MB (10^6 bytes) of the files. */
function megabytes(files) {
  return files.reduce((sum, file) => sum + statSync(file).size, 0) / 1e6;
}

/**
 * The CLI over the corpus folder, as CI runs it, cold: CLI_RUNS fresh processes per level; wall
 * time from spawn to exit, and the summary of its JSON output.
 */
/** Loaded into the CLI process: prints its CPU time (all threads) on stderr at exit. */
const REPORT_CPU =
  'data:text/javascript,process.on("exit",()=>{const u=process.cpuUsage();' +
  'process.stderr.write("\\nbench-cpu-ms "+(u.user+u.system)/1000+"\\n")})';

function runCli(level, files) {
  const args = [
    '--import',
    REPORT_CPU,
    CLI,
    'validate',
    '--format',
    'json',
    ...(level === 'strict' ? ['--strict'] : []),
  ];
  args.push(path.join(CORPUS_DIR, 'files'));
  const mb = megabytes(files);
  const runs = [];
  for (let i = 0; i < CLI_RUNS; i++) {
    const start = performance.now();
    const child = spawnSync(process.execPath, args, {
      encoding: 'utf8',
      maxBuffer: 1 << 30,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const ms = performance.now() - start;
    if (child.status !== 0 && child.status !== 1) {
      fail(`naftiko validate exited with ${child.status}: ${child.stderr}`);
    }
    const summary = JSON.parse(child.stdout).summary;
    const cpu = /bench-cpu-ms ([\d.]+)/.exec(child.stderr);
    runs.push({ ms, cpuMs: cpu ? Number(cpu[1]) : NaN, summary });
  }
  const ms = runs.map((r) => r.ms);
  const cpuMs = runs.map((r) => r.cpuMs);
  return {
    level,
    mb,
    ms,
    medianMs: median(ms),
    cpuMs,
    medianCpuMs: median(cpuMs),
    summary: runs[0].summary,
  };
}

function printCli(r) {
  const mbps = (r.mb * 1000) / r.medianMs;
  console.log(
    `cli ${r.level}: naftiko validate --format json (${r.summary.files} files, ${fmt(r.mb, 2)} MB; ${r.summary.errors} errors, ${r.summary.warnings} warnings)`,
  );
  console.log(
    `  ${CLI_RUNS} cold processes, wall            ${r.ms.map((ms) => `${fmt(ms)} ms`).join(', ')}`,
  );
  console.log(
    `  CPU (user + system, all threads)   ${r.cpuMs.map((ms) => `${fmt(ms)} ms`).join(', ')}; ${fmt((r.mb * 1000) / r.medianCpuMs, 1)} MB per CPU second`,
  );
  console.log(
    `  median                             ${fmt(r.medianMs)} ms, ${fmt(mbps, 1)} MB/s (target >= ${TARGET_MB_PER_SECOND} MB/s: ${mbps >= TARGET_MB_PER_SECOND ? 'met' : 'MISSED'})`,
  );
}

function print(r) {
  const coldSeconds = r.coldMs / 1000;
  console.log(
    `${r.level}: ${r.files} files, ${fmt(r.mb, 2)} MB of YAML (${r.invalid} with errors), in process`,
  );
  console.log(`  import of dist/spec/validate.js   ${fmt(r.importMs)} ms`);
  console.log(
    `  cold round                         ${fmt(r.coldMs)} ms, ${fmt((r.files * 1000) / r.coldMs)} files/s, ${fmt(r.coldMbPerSecond, 1)} MB/s (CPU ${fmt(r.coldCpuMs)} ms)`,
  );
  r.roundsMs.forEach((ms, i) =>
    console.log(
      `  round ${i + 1}                            ${fmt(ms)} ms, ${fmt(r.filesPerSecond[i])} files/s, ${fmt(r.mbPerSecond[i], 1)} MB/s (CPU ${fmt(r.roundsCpuMs[i])} ms)`,
    ),
  );
  console.log(
    `  median                             ${fmt(r.medianFilesPerSecond)} files/s, ${fmt(r.medianMbPerSecond, 1)} MB/s`,
  );
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
  console.log('');
  if (!existsSync(CLI)) fail(`${CLI} not found; run \`npm run build\` first`);
  for (const each of LEVELS) printCli(runCli(each, files));
}
