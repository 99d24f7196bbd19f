/** The shape of a semantic rule and the context it runs in. */
import type { DiagnosticSink, Path } from '../diagnostic-sink.js';
import type { Severity } from '../diagnostics.js';
import type { ResolvedConsumes } from '../imports.js';
import type { CapabilityDocument } from '../types.js';

export interface RuleContext {
  /** The document, valid against the engine schema. */
  readonly doc: CapabilityDocument;
  /** Every consumes block by namespace, imports resolved (first one wins on duplicates). */
  readonly consumes: ReadonlyMap<string, ResolvedConsumes>;
  /** Namespaces declared by imports that failed (already reported; not to be reported again). */
  readonly unresolved: ReadonlySet<string>;
  /**
   * `--strict` (official alpha2 conformance). A rule whose verdict differs between the levels
   * reports under two ids, each with its fixed severity, rather than changing a severity.
   */
  readonly strict: boolean;
  readonly sink: DiagnosticSink;
}

export interface SemanticRule {
  readonly id: string;
  readonly severity: Severity;
  /** One line for docs/rules.md. */
  readonly summary: string;
  check(
    ctx: RuleContext,
    report: (message: string, path: Path, target?: 'key' | 'value') => void,
  ): void;
}
