/**
 * Renders validation results for `naftiko validate` (and for `naftiko run` when a spec is
 * invalid): `text` for people, `json` for tools, `github` for workflow annotations.
 */
import type { Diagnostic } from '../../spec/diagnostics.js';

export type OutputFormat = 'text' | 'json' | 'github';

export interface FileReport {
  readonly file: string;
  readonly diagnostics: readonly Diagnostic[];
}

export interface Summary {
  readonly files: number;
  readonly errors: number;
  readonly warnings: number;
}

export function summarize(reports: readonly FileReport[]): Summary {
  let errors = 0;
  let warnings = 0;
  for (const report of reports) {
    for (const d of report.diagnostics) {
      if (d.severity === 'error') errors++;
      else warnings++;
    }
  }
  return { files: reports.length, errors, warnings };
}

export function formatReports(reports: readonly FileReport[], format: OutputFormat): string {
  const summary = summarize(reports);
  const all = reports.flatMap((r) => r.diagnostics);
  switch (format) {
    case 'json':
      return (
        JSON.stringify(
          {
            files: reports.map((r) => ({
              file: r.file,
              valid: !r.diagnostics.some((d) => d.severity === 'error'),
              diagnostics: r.diagnostics,
            })),
            summary,
          },
          null,
          2,
        ) + '\n'
      );
    case 'github':
      return all.map(formatGithub).join('') + summaryLine(summary);
    case 'text':
      return all.map(formatText).join('') + summaryLine(summary);
  }
}

export function formatText(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.column} ${d.severity} ${d.rule} ${d.message}\n`;
}

/** GitHub Actions workflow command; data and properties escaped as the runner expects. */
function formatGithub(d: Diagnostic): string {
  const props = [
    `file=${escapeProperty(d.file)}`,
    ...(d.line > 0 ? [`line=${d.line}`, `col=${d.column}`] : []),
    `title=${escapeProperty(d.rule)}`,
  ].join(',');
  return `::${d.severity} ${props}::${escapeData(d.message)}\n`;
}

function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

function summaryLine(s: Summary): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return `${plural(s.files, 'file')}, ${plural(s.errors, 'error')}, ${plural(s.warnings, 'warning')}\n`;
}
