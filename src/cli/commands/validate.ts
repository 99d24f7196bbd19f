/** `naftiko validate <paths...>`: validates files and prints diagnostics; exit 0, 1 or 2. */
import { compareDiagnostics, hasErrors } from '../../spec/diagnostics.js';
import type { Diagnostic } from '../../spec/diagnostics.js';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { createValidator } from '../../spec/validate.js';
import type { Validator } from '../../spec/validate.js';
import { internalDiagnostic } from '../../spec/validate-worker.js';
import type { ValidateWorkerData, ValidateWorkerResult } from '../../spec/validate-worker.js';
import { NaftikoError } from '../../errors.js';
import { scanSpecFiles } from '../find-spec-files.js';
import { formatReports } from '../output/format-diagnostics.js';
import type { FileReport, OutputFormat } from '../output/format-diagnostics.js';
import type { CliIo } from '../program.js';
import { createProgress } from '../progress.js';
import type { Progress, ProgressStream } from '../progress.js';

export interface ValidateOptions {
  readonly strict?: boolean;
  readonly format: OutputFormat;
  readonly quiet?: boolean;
  /**
   * Exit 1 when there are more warnings than this, errors or not (ESLint's --max-warnings);
   * `-1`, like no option, sets no limit. Warnings hidden by --quiet still count.
   */
  readonly maxWarnings?: string;
}

/** Where the progress line goes: the process's stderr, when it is a terminal. */
export interface ValidateEnv {
  readonly progressStream?: ProgressStream;
}

export async function validateCommand(
  paths: readonly string[],
  options: ValidateOptions,
  io: CliIo,
  env: ValidateEnv = {},
): Promise<number> {
  const maxWarnings = parseMaxWarnings(options.maxWarnings);
  const files = [...(await scanSpecFiles(paths))];
  const strict = options.strict === true;
  const progress = createProgress(env.progressStream ?? process.stderr, files.length);
  const results = await validateAll(files, strict, progress);
  progress.clear();

  const reports: FileReport[] = [];
  let failed = false;
  let warnings = 0;
  files.forEach(([file], i) => {
    const diagnostics = results[i] as readonly Diagnostic[];
    failed ||= hasErrors(diagnostics);
    for (const d of diagnostics) if (d.severity === 'warning') warnings++;
    const shown = options.quiet ? diagnostics.filter((d) => d.severity === 'error') : diagnostics;
    reports.push({ file, diagnostics: [...shown].sort(compareDiagnostics) });
  });
  io.stdout(formatReports(reports, options.format));
  if (maxWarnings !== undefined && warnings > maxWarnings) {
    // As ESLint: the limit fails the run even without errors; the line says why when nothing
    // else does (with errors, the exit code is 1 anyway).
    if (!failed) {
      io.stderr(
        `naftiko: ${warnings} warning${warnings === 1 ? '' : 's'}, more than --max-warnings ${maxWarnings}\n`,
      );
    }
    return 1;
  }
  return failed ? 1 : 0;
}

/** Below this many files a worker thread costs more (its start-up) than it saves. */
const WORKER_THRESHOLD = 64;
const WORKER_MODULE = new URL('../../spec/validate-worker.js', import.meta.url);

/**
 * Every file's diagnostics, in the order of `files`.
 *
 * With `NAFTIKO_VALIDATE_WORKERS=1`, on a machine with more than one core and enough files, one
 * worker thread validates alongside this thread: both take the next file from the same list
 * until none is left (the output is the same). Off by default: on the shared 2-core machine of
 * issue 12 it was slower (bench/README.md); it pays only where a second core is really free.
 */
async function validateAll(
  files: readonly (readonly [string, string | undefined])[],
  strict: boolean,
  progress: Progress,
): Promise<(readonly Diagnostic[] | undefined)[]> {
  const results: (readonly Diagnostic[] | undefined)[] = new Array<undefined>(files.length);
  let done = 0;
  const next = new Int32Array(new SharedArrayBuffer(4));
  const worker = startWorker(files, strict, next, (index, diagnostics) => {
    results[index] = diagnostics;
    progress.update(++done);
  });

  const validator = createValidator({ strict });
  for (let turn = 0; ; turn++) {
    const index = Atomics.add(next, 0, 1);
    const entry = files[index];
    if (entry === undefined) break;
    results[index] = await validateOne(validator, entry[0], entry[1]);
    progress.update(++done);
    // Let the worker's results (and so the progress line) in now and then.
    if (worker !== undefined && turn % 16 === 15) await new Promise(setImmediate);
  }
  if (worker !== undefined) await worker;
  // Files a failed worker had taken but not finished: validated here.
  for (let i = 0; i < files.length; i++) {
    if (results[i] !== undefined) continue;
    const [file, text] = files[i] as readonly [string, string | undefined];
    results[i] = await validateOne(validator, file, text);
    progress.update(++done);
  }
  return results;
}

async function validateOne(
  validator: Validator,
  file: string,
  text: string | undefined,
): Promise<readonly Diagnostic[]> {
  try {
    const result = await (text === undefined
      ? validator.validateFile(file)
      : validator.validateText(file, text));
    return result.diagnostics;
  } catch (err) {
    return [internalDiagnostic(file, err)];
  }
}

/** The worker, or undefined when one would not help (or cannot start); resolves when it ends. */
function startWorker(
  files: readonly (readonly [string, string | undefined])[],
  strict: boolean,
  next: Int32Array,
  onResult: (index: number, diagnostics: readonly Diagnostic[]) => void,
): Promise<void> | undefined {
  if (
    files.length < WORKER_THRESHOLD ||
    availableParallelism() < 2 ||
    process.env.NAFTIKO_VALIDATE_WORKERS !== '1' ||
    !WORKER_MODULE.pathname.endsWith('.js') ||
    !existsSync(WORKER_MODULE)
  ) {
    return undefined;
  }
  let worker: Worker;
  try {
    worker = new Worker(WORKER_MODULE, {
      workerData: { strict, files, next } satisfies ValidateWorkerData,
      stdout: false,
      stderr: false,
    });
  } catch {
    return undefined;
  }
  return new Promise<void>((resolve) => {
    worker.on('message', (message: ValidateWorkerResult) =>
      onResult(message.index, message.diagnostics),
    );
    // A worker that fails leaves its unfinished files to the main thread (see validateAll).
    worker.on('error', () => undefined);
    worker.on('exit', () => resolve());
  });
}

/** `--max-warnings <n>`: a whole number ≥ 0, or -1 for no limit (ESLint's default). */
function parseMaxWarnings(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const text = raw.trim();
  if (!/^(?:\d+|-1)$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new NaftikoError(
      'USAGE_INVALID',
      `--max-warnings must be a whole number of warnings (0 or more, or -1 for no limit), not "${raw}"`,
    );
  }
  const n = Number(text);
  return n < 0 ? undefined : n;
}
