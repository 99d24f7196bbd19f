/** Collects diagnostics for one source document, turning JSON pointers into positions. */
import { pointerFromSegments } from './diagnostics.js';
import type { Diagnostic, Severity } from './diagnostics.js';
import type { SourceDocument } from './source-document.js';

export type Path = readonly (string | number)[];

export class DiagnosticSink {
  readonly diagnostics: Diagnostic[] = [];

  constructor(readonly source: SourceDocument) {}

  add(
    severity: Severity,
    rule: string,
    message: string,
    path: Path,
    target: 'value' | 'key' = 'value',
    source: SourceDocument = this.source,
  ): void {
    const pointer = pointerFromSegments(path);
    const { line, column } = source.positionOf(pointer, target);
    this.diagnostics.push({ severity, rule, message, file: source.file, line, column, pointer });
  }
}
