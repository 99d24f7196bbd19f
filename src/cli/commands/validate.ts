/** `naftiko validate <paths...>`: validates files and prints diagnostics; exit 0, 1 or 2. */
import { compareDiagnostics, hasErrors } from '../../spec/diagnostics.js';
import type { Diagnostic } from '../../spec/diagnostics.js';
import { createValidator } from '../../spec/validate.js';
import type { Validator } from '../../spec/validate.js';
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

/** Every file's diagnostics, in the order of `files`. */
async function validateAll(
  files: readonly (readonly [string, string | undefined])[],
  strict: boolean,
  progress: Progress,
): Promise<(readonly Diagnostic[] | undefined)[]> {
  const results: (readonly Diagnostic[] | undefined)[] = [];
  const validator = createValidator({ strict });
  for (const [file, text] of files) {
    results.push(await validateOne(validator, file, text));
    progress.update(results.length);
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

/** A validator crash on one file is reported on that file, and the run goes on. */
function internalDiagnostic(file: string, err: unknown): Diagnostic {
  const message = err instanceof Error ? err.message : String(err);
  return {
    severity: 'error',
    rule: 'internal',
    message: `validation failed: ${message}`,
    file,
    line: 0,
    column: 0,
    pointer: '',
  };
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
