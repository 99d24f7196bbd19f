/**
 * A parsed YAML/JSON file that remembers where every value came from.
 *
 * Parsing keeps the `yaml` AST next to the plain JS value so that any JSON pointer can be turned
 * back into a line and column (via `LineCounter`) when a diagnostic is reported.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import { segmentsFromPointer } from './diagnostics.js';
import type { Diagnostic } from './diagnostics.js';

export interface Position {
  readonly line: number;
  readonly column: number;
}

export interface SourceDocument {
  readonly file: string;
  /** The plain value (what the schema validates); undefined when the file did not parse. */
  readonly value: unknown;
  /** Position of the value at `pointer`, or of its closest existing ancestor. */
  positionOf(pointer: string, target?: 'value' | 'key'): Position;
  /** Syntax problems found while parsing (errors) and YAML warnings. */
  readonly diagnostics: readonly Diagnostic[];
}

const ROOT: Position = { line: 1, column: 1 };

/** Parses text as one YAML document (JSON is YAML too) and keeps source positions. */
export function parseSource(file: string, text: string): SourceDocument {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const position = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };

  const diagnostics: Diagnostic[] = [];
  for (const problem of [...doc.errors, ...doc.warnings]) {
    const at = position(problem.pos[0]);
    diagnostics.push({
      severity: doc.errors.includes(problem as never) ? 'error' : 'warning',
      rule: problem.code === 'DUPLICATE_KEY' ? 'yaml-duplicate-key' : 'yaml-syntax',
      message: firstLine(problem.message),
      file,
      line: at.line,
      column: at.column,
      pointer: '',
    });
  }

  let value: unknown;
  if (doc.errors.length === 0) {
    try {
      value = doc.toJS({ maxAliasCount: 1000 });
    } catch (err) {
      diagnostics.push({
        severity: 'error',
        rule: 'yaml-syntax',
        message: err instanceof Error ? err.message : String(err),
        file,
        line: 1,
        column: 1,
        pointer: '',
      });
    }
  }

  return {
    file,
    value,
    diagnostics,
    positionOf(pointer, target = 'value') {
      const found = locate(doc, pointer, target);
      return found === undefined ? ROOT : position(found);
    },
  };
}

/** Offset of the node at `pointer` (or of its deepest existing ancestor). */
function locate(doc: Document, pointer: string, target: 'value' | 'key'): number | undefined {
  let node: unknown = doc.contents;
  let offset = (node as YamlNode | null)?.range?.[0];
  const segments = segmentsFromPointer(pointer);
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as string;
    const last = i === segments.length - 1;
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === segment,
      );
      if (pair === undefined) return offset;
      const key = pair.key as YamlNode;
      const value = pair.value as YamlNode | null;
      if (last && target === 'key') return key.range?.[0] ?? offset;
      // A key with an empty value (`foo:`) has no value node: point at the key.
      offset = value?.range?.[0] ?? key.range?.[0] ?? offset;
      node = value;
    } else if (isSeq(node)) {
      const item = node.items[Number(segment)] as YamlNode | undefined;
      if (item === undefined || !/^\d+$/.test(segment)) return offset;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else {
      return offset;
    }
  }
  return offset;
}

function firstLine(message: string): string {
  const nl = message.indexOf('\n');
  return nl === -1 ? message : message.slice(0, nl);
}
