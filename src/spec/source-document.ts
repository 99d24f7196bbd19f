/**
 * A parsed YAML/JSON file that remembers where every value came from.
 *
 * Parsing uses js-yaml with the YAML 1.2 core schema (no timestamps: `2026-05-19` stays a
 * string, as alpha2 expects). While it parses, js-yaml's node listener reports where each node
 * starts and ends; we keep that as a tree of frames parallel to the value, so a JSON pointer can
 * be turned back into a line and column when a diagnostic is reported. js-yaml is an order of
 * magnitude faster than parsers that build a full syntax tree, which matters when CI validates
 * hundreds of files (bench/validate-corpus.mjs).
 */
import jsYaml from 'js-yaml';
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
  /** Position of the value (or its key) at `pointer`, or of its closest existing ancestor. */
  positionOf(pointer: string, target?: 'value' | 'key'): Position;
  /** Syntax problems found while parsing. */
  readonly diagnostics: readonly Diagnostic[];
}

/** One parsed node: where it starts, what it produced, and its child nodes in source order. */
interface Frame {
  start: number;
  result: unknown;
  children: Frame[];
}

/** Parses text as one YAML document (JSON is YAML too) and keeps source positions. */
export function parseSource(file: string, raw: string): SourceDocument {
  // js-yaml drops a byte-order mark before counting offsets: drop it here too.
  const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
  const lines = lineStarts(text);
  // js-yaml reads its own copy of the text: a second byte-order mark dropped, a final line break
  // added when there is none. Its offsets are mapped back and kept inside the text, so that no
  // position points past the end of the file.
  const shift = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const fromYaml = (offset: number): number => Math.min(offset + shift, text.length);
  const position = (offset: number): Position => {
    let lo = 0;
    let hi = lines.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((lines[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (lines[lo] as number) + 1 };
  };

  const stack: Frame[] = [{ start: 0, result: undefined, children: [] }];
  let value: unknown;
  const diagnostics: Diagnostic[] = [];
  try {
    value = jsYaml.load(text, {
      schema: jsYaml.CORE_SCHEMA,
      filename: file,
      listener(event, state) {
        if (event === 'open') {
          stack.push({ start: state.position, result: undefined, children: [] });
          return;
        }
        const frame = stack.pop() as Frame;
        frame.result = state.result;
        // js-yaml opens some nodes twice (a block entry, then its content): keep the inner one.
        const only = frame.children.length === 1 ? frame.children[0] : undefined;
        const kept = only !== undefined && only.result === frame.result ? only : frame;
        stack[stack.length - 1]?.children.push(kept);
      },
    });
  } catch (err) {
    value = undefined;
    diagnostics.push(syntaxDiagnostic(file, err, text, position, fromYaml));
  }
  if (diagnostics.length === 0) {
    const problem = value === undefined ? 'the file is empty' : shapeProblem(value);
    if (problem !== undefined) {
      value = undefined;
      const rule = problem === 'the file is empty' ? 'document-empty' : 'yaml-alias';
      diagnostics.push({
        severity: 'error',
        rule,
        message: problem,
        file,
        line: 1,
        column: 1,
        pointer: '',
      });
    }
  }

  const root = stack[0]?.children.at(-1);
  return {
    file,
    value,
    diagnostics,
    positionOf(pointer, target = 'value') {
      const offset = root === undefined ? 0 : locate(root, segmentsFromPointer(pointer), target);
      return position(skipInsignificant(text, fromYaml(offset)));
    },
  };
}

/** Offset of the node at the path (or of its deepest existing ancestor). */
function locate(root: Frame, segments: readonly string[], target: 'value' | 'key'): number {
  let frame = root;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as string;
    const result = frame.result;
    let next: Frame | undefined;
    if (Array.isArray(result)) {
      // An empty entry (`- ` alone) opens no node: indices only hold when every entry did.
      const item: unknown = /^\d+$/.test(segment) ? result[Number(segment)] : undefined;
      next =
        frame.children.length === result.length
          ? frame.children[Number(segment)]
          : typeof item === 'object' && item !== null
            ? frame.children.find((child) => child.result === item)
            : undefined;
    } else if (result !== null && typeof result === 'object') {
      // Mapping children alternate key, value, in source order.
      for (let k = 0; k + 1 < frame.children.length; k += 2) {
        const key = frame.children[k] as Frame;
        if (String(key.result) === segment) {
          if (i === segments.length - 1 && target === 'key') return key.start;
          next = frame.children[k + 1];
          break;
        }
      }
    }
    if (next === undefined) return frame.start;
    frame = next;
  }
  return frame.start;
}

/** js-yaml reports a node's start before the separating blanks and comments: skip them. */
function skipInsignificant(text: string, offset: number): number {
  let i = offset;
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') i++;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1] as string))) {
      while (i < text.length && text[i] !== '\n') i++;
    } else break;
  }
  return i;
}

/** More values than this (after expanding aliases) is an attack, not a capability. */
export const MAX_VALUES = 1_000_000;

/**
 * Aliases can make a value refer to itself (a cycle) or expand to billions of values; either
 * would hang or crash every later stage, so both are refused here, once.
 */
function shapeProblem(root: unknown): string | undefined {
  let count = 0;
  const ancestors = new Set<object>();
  const visit = (value: unknown): string | undefined => {
    if (++count > MAX_VALUES) return `aliases expand to more than ${MAX_VALUES} values`;
    if (value === null || typeof value !== 'object') return undefined;
    if (ancestors.has(value)) return 'an alias refers to a node that contains it (a cycle)';
    ancestors.add(value);
    for (const child of Object.values(value)) {
      const problem = visit(child);
      if (problem !== undefined) return problem;
    }
    ancestors.delete(value);
    return undefined;
  };
  return visit(root);
}

/**
 * Offsets where lines start. A line break is LF, CRLF or a lone CR (YAML 1.2 §5.4), as js-yaml
 * counts them in its syntax errors: a file with old Mac line endings gets real line numbers.
 */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) starts.push(i + 1);
  }
  return starts;
}

function syntaxDiagnostic(
  file: string,
  err: unknown,
  text: string,
  position: (offset: number) => Position,
  fromYaml: (offset: number) => number,
): Diagnostic {
  if (err instanceof jsYaml.YAMLException) {
    const reason = err.reason || 'invalid YAML';
    let offset = 0;
    if (err.mark) {
      offset = fromYaml(err.mark.position);
    } else if (/single document/.test(reason)) {
      // Point at the marker that starts the second document.
      const markers = [...text.matchAll(/(?<=^|\r\n|\r|\n)---/g)].map((m) => m.index);
      offset = markers.find((at) => text.slice(0, at).trim() !== '') ?? 0;
    }
    return {
      severity: 'error',
      rule: /duplicated mapping key/.test(reason) ? 'yaml-duplicate-key' : 'yaml-syntax',
      message: reason,
      file,
      ...position(offset),
      pointer: '',
    };
  }
  return {
    severity: 'error',
    rule: 'yaml-syntax',
    message: err instanceof Error ? err.message : String(err),
    file,
    line: 1,
    column: 1,
    pointer: '',
  };
}
