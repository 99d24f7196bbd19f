/**
 * The validation pipeline: read → parse (positions kept) → version → JSON Schema → dialect →
 * imports → semantic rules. Produces diagnostics and, when there are no errors, the typed
 * document with its consumes blocks resolved (what the runtime builds from).
 */
import { readFileSync } from 'node:fs';
import { DiagnosticSink } from './diagnostic-sink.js';
import { hasErrors } from './diagnostics.js';
import type { Diagnostic } from './diagnostics.js';
import { checkDialect } from './dialect-rules.js';
import { resolveImport } from './imports.js';
import type { ResolvedConsumes, SharedFile } from './imports.js';
import { SEMANTIC_RULES } from './rules/index.js';
import { schemaErrorsToDiagnostics } from './schema/schema-diagnostics.js';
import { schemaErrors } from './schema/schemas.js';
import { parseSource } from './source-document.js';
import type { SourceDocument } from './source-document.js';
import type { CapabilityDocument, ConsumesEntry } from './types.js';
import { isImportedConsumes } from './types.js';
import { checkVersion } from './version.js';

export interface ValidatorOptions {
  /** Official alpha2 conformance: dialect forms and a non-target version are errors. */
  readonly strict?: boolean;
}

/** A document that passed validation, ready for the runtime. */
export interface LoadedCapability {
  readonly source: SourceDocument;
  readonly doc: CapabilityDocument;
  /** Every consumes block by namespace, imports resolved. */
  readonly consumes: ReadonlyMap<string, ResolvedConsumes>;
}

export interface ValidationResult {
  readonly file: string;
  readonly diagnostics: readonly Diagnostic[];
  /** Present when the document has no errors. */
  readonly capability?: LoadedCapability;
}

export interface Validator {
  validateFile(file: string): Promise<ValidationResult>;
  validateText(file: string, text: string): Promise<ValidationResult>;
}

/**
 * A validator keeps a cache of shared consumes files, so that a folder of capabilities importing
 * the same files parses each one once.
 */
export function createValidator(options: ValidatorOptions = {}): Validator {
  const strict = options.strict === true;
  const sharedFiles = new Map<string, Promise<SharedFile | { readError: string }>>();

  const loadShared = (absolutePath: string): Promise<SharedFile | { readError: string }> => {
    let pending = sharedFiles.get(absolutePath);
    if (pending === undefined) {
      // Read synchronously: a shared file is small, and fs/promises' readFile (open, stat,
      // read, close, each through the thread pool) cost more than the read itself.
      let text: string | undefined;
      let readError = 'unreadable';
      try {
        text = readFileSync(absolutePath, 'utf8');
      } catch (err) {
        readError = (err as NodeJS.ErrnoException).code ?? readError;
      }
      if (text === undefined) {
        pending = Promise.resolve({ readError });
      } else {
        const source = parseSource(absolutePath, text);
        pending = Promise.resolve({ source, diagnostics: checkDocument(source).diagnostics });
      }
      sharedFiles.set(absolutePath, pending);
    }
    return pending;
  };

  /** Everything but import resolution and semantic rules. */
  function checkDocument(source: SourceDocument): { diagnostics: Diagnostic[]; ok: boolean } {
    const diagnostics = [...source.diagnostics];
    if (source.value === undefined || hasErrors(diagnostics)) return { diagnostics, ok: false };

    const version = checkVersion(source, strict);
    diagnostics.push(...version.diagnostics);
    if (!version.proceed) return { diagnostics, ok: false };

    const errors = schemaErrors('engine', source.value);
    const schemaOk = errors.length === 0;
    diagnostics.push(...schemaErrorsToDiagnostics(errors, source));

    const sink = new DiagnosticSink(source);
    checkDialect(source.value, sink, strict);
    diagnostics.push(...sink.diagnostics);

    if (strict && !hasErrors(diagnostics)) {
      // Safety net: the engine schema plus the dialect detectors are meant to give the strict
      // schema's verdict; should they ever miss a case, the strict schema's own errors surface.
      diagnostics.push(...schemaErrorsToDiagnostics(schemaErrors('strict', source.value), source));
    }
    return { diagnostics, ok: schemaOk };
  }

  async function validateSource(source: SourceDocument): Promise<ValidationResult> {
    const checked = checkDocument(source);
    const diagnostics = checked.diagnostics;
    if (!checked.ok) return { file: source.file, diagnostics };

    const doc = source.value as CapabilityDocument;
    const sink = new DiagnosticSink(source);
    const { consumes, unresolved } = await resolveConsumes(doc, source, sink);
    for (const rule of SEMANTIC_RULES) {
      rule.check({ doc, consumes, unresolved, strict, sink }, (message, path, target) =>
        sink.add(rule.severity, rule.id, message, path, target),
      );
    }
    diagnostics.push(...sink.diagnostics);
    return hasErrors(diagnostics)
      ? { file: source.file, diagnostics }
      : { file: source.file, diagnostics, capability: { source, doc, consumes } };
  }

  async function resolveConsumes(
    doc: CapabilityDocument,
    source: SourceDocument,
    sink: DiagnosticSink,
  ): Promise<{ consumes: Map<string, ResolvedConsumes>; unresolved: Set<string> }> {
    const lists: [ConsumesEntry[] | undefined, (string | number)[]][] = [
      [doc.consumes, ['consumes']],
      [doc.capability?.consumes, ['capability', 'consumes']],
    ];
    const resolved = new Map<string, ResolvedConsumes>();
    const unresolved = new Set<string>();
    for (const [list, base] of lists) {
      for (const [i, entry] of (list ?? []).entries()) {
        const path = [...base, i];
        let found: ResolvedConsumes | undefined;
        if (isImportedConsumes(entry)) {
          found = await resolveImport(entry, path, source, loadShared, sink);
          if (found === undefined) unresolved.add(entry.as ?? entry.import);
        } else {
          found = { namespace: entry.namespace, spec: entry, source, path };
        }
        if (found !== undefined && !resolved.has(found.namespace)) {
          resolved.set(found.namespace, found);
        }
      }
    }
    return { consumes: resolved, unresolved };
  }

  return {
    async validateFile(file) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        const reason = (err as NodeJS.ErrnoException).code ?? 'unreadable';
        return {
          file,
          diagnostics: [
            {
              severity: 'error',
              rule: 'file-unreadable',
              message: `cannot read the file (${reason})`,
              file,
              line: 0,
              column: 0,
              pointer: '',
            },
          ],
        };
      }
      return validateSource(parseSource(file, text));
    },
    async validateText(file, text) {
      return validateSource(parseSource(file, text));
    },
  };
}
