/** `naftiko validate <paths...>`: validates files and prints diagnostics; exit 0, 1 or 2. */
import { compareDiagnostics, hasErrors } from '../../spec/diagnostics.js';
import type { Diagnostic } from '../../spec/diagnostics.js';
import { createValidator } from '../../spec/validate.js';
import { findSpecFiles } from '../find-spec-files.js';
import { formatReports } from '../output/format-diagnostics.js';
import type { FileReport, OutputFormat } from '../output/format-diagnostics.js';
import type { CliIo } from '../program.js';

export interface ValidateOptions {
  readonly strict?: boolean;
  readonly format: OutputFormat;
  readonly quiet?: boolean;
  /** Exit 1 when there are more warnings than this (ESLint's --max-warnings). */
  readonly maxWarnings?: string;
}

export async function validateCommand(
  paths: readonly string[],
  options: ValidateOptions,
  io: CliIo,
): Promise<number> {
  const files = await findSpecFiles(paths);
  const validator = createValidator({ strict: options.strict === true });
  const reports: FileReport[] = [];
  let failed = false;
  for (const file of files) {
    const result = await validator.validateFile(file).catch((err: unknown) => ({
      file,
      diagnostics: [internalDiagnostic(file, err)],
    }));
    failed ||= hasErrors(result.diagnostics);
    const shown = options.quiet
      ? result.diagnostics.filter((d) => d.severity === 'error')
      : result.diagnostics;
    reports.push({ file, diagnostics: [...shown].sort(compareDiagnostics) });
  }
  io.stdout(formatReports(reports, options.format));
  return failed ? 1 : 0;
}

/** A validator crash on one file is reported on that file; the others are still validated. */
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
