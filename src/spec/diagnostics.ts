/**
 * The diagnostic model shared by loading, schema validation and semantic checks.
 *
 * A diagnostic always names where the problem is: the file, a 1-based line and column, and the
 * JSON pointer (RFC 6901) of the offending value inside the document.
 */

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  readonly severity: Severity;
  /** Stable rule identifier, e.g. `schema`, `call-unresolved`, `dialect-rest-description`. */
  readonly rule: string;
  readonly message: string;
  readonly file: string;
  /** 1-based; 0 when the problem concerns the file as a whole (e.g. it cannot be read). */
  readonly line: number;
  /** 1-based; 0 when the problem concerns the file as a whole. */
  readonly column: number;
  /** JSON pointer of the offending value ('' = the document root). */
  readonly pointer: string;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** Stable order: by file, then position, then rule; makes output and snapshots deterministic. */
export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return (
    (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
    a.line - b.line ||
    a.column - b.column ||
    (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0) ||
    (a.message < b.message ? -1 : a.message > b.message ? 1 : 0)
  );
}

/** JSON pointer helpers (RFC 6901 escaping). */
export function pointerFromSegments(segments: readonly (string | number)[]): string {
  return segments.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

export function segmentsFromPointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}
