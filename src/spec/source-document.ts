/**
 * A parsed YAML/JSON file that remembers where every value came from.
 *
 * Parsing uses js-yaml with the YAML 1.2 core schema (no timestamps: `2026-05-19` stays a
 * string, as alpha2 expects). While it parses, js-yaml's node listener reports where each node
 * starts and ends; we keep that as a tree of nodes parallel to the value (flat arrays, see
 * NodeTable), so a JSON pointer can be turned back into a line and column when a diagnostic is
 * reported. js-yaml is an order of magnitude faster than parsers that build a full syntax tree,
 * which matters when CI validates hundreds of files (bench/validate-corpus.mjs).
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

/**
 * The parsed nodes, as flat arrays rather than one object per node (a large corpus has millions
 * of nodes: objects and child arrays for each made parsing several times slower, mostly in the
 * garbage collector). Node `id` has, at `id * STRIDE`: its start offset, its first and last kept
 * child, its next sibling (-1 = none) and its number of children; `results[id]` is the value it
 * produced. Node 0 stands for the stream around the document.
 */
class NodeTable {
  static readonly STRIDE = 5;
  /**
   * While parsing, the fields live in a buffer shared by every parse (parsing is synchronous);
   * seal() copies out the part used, so each document holds exactly its own nodes.
   */
  private static scratch = new Int32Array(1 << 16);
  fields: Int32Array = NodeTable.scratch;
  readonly results: unknown[] = [];
  size = 0;

  open(start: number): number {
    const id = this.size++;
    const at = id * NodeTable.STRIDE;
    if (at + NodeTable.STRIDE > this.fields.length) {
      const grown = new Int32Array(this.fields.length * 2);
      grown.set(this.fields);
      this.fields = grown;
      NodeTable.scratch = grown;
    }
    const f = this.fields;
    f[at] = start;
    f[at + 1] = -1;
    f[at + 2] = -1;
    f[at + 3] = -1;
    f[at + 4] = 0;
    this.results.push(undefined);
    return id;
  }

  /** Parsing is over: the table keeps its own copy of the fields. */
  seal(): void {
    this.fields = this.fields.slice(0, this.size * NodeTable.STRIDE);
  }

  /** Appends `child` to the children of `parent`. */
  append(parent: number, child: number): void {
    const f = this.fields;
    const p = parent * NodeTable.STRIDE;
    const last = f[p + 2] as number;
    if (last === -1) f[p + 1] = child;
    else f[last * NodeTable.STRIDE + 3] = child;
    f[p + 2] = child;
    f[p + 4] = (f[p + 4] as number) + 1;
  }

  start(id: number): number {
    return this.fields[id * NodeTable.STRIDE] as number;
  }

  childCount(id: number): number {
    return this.fields[id * NodeTable.STRIDE + 4] as number;
  }

  /** The children of a node, in source order. */
  children(id: number): number[] {
    const list: number[] = [];
    let c = this.fields[id * NodeTable.STRIDE + 1] as number;
    while (c !== -1) {
      list.push(c);
      c = this.fields[c * NodeTable.STRIDE + 3] as number;
    }
    return list;
  }
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

  const nodes = new NodeTable();
  const stack: number[] = [nodes.open(0)];
  let value: unknown;
  const diagnostics: Diagnostic[] = [];
  try {
    value = jsYaml.load(text, {
      schema: jsYaml.CORE_SCHEMA,
      filename: file,
      listener(event, state) {
        if (event === 'open') {
          stack.push(nodes.open(state.position));
          return;
        }
        const id = stack.pop() as number;
        const result = state.result;
        nodes.results[id] = result;
        // js-yaml opens some nodes twice (a block entry, then its content): keep the inner one.
        let kept = id;
        if (nodes.childCount(id) === 1) {
          const only = nodes.fields[id * NodeTable.STRIDE + 1] as number;
          if (nodes.results[only] === result) kept = only;
        }
        const parent = stack[stack.length - 1];
        if (parent !== undefined) nodes.append(parent, kept);
      },
    });
  } catch (err) {
    value = undefined;
    diagnostics.push(syntaxDiagnostic(file, err, text, position, fromYaml));
  }
  nodes.seal();
  if (diagnostics.length === 0) {
    const problem =
      value === undefined ? 'the file is empty' : shapeProblem(value, text, nodes.size);
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

  const sentinel = stack[0];
  const top = sentinel === undefined ? [] : nodes.children(sentinel);
  const root = top[top.length - 1];
  return {
    file,
    value,
    diagnostics,
    positionOf(pointer, target = 'value') {
      const offset =
        root === undefined ? 0 : locate(nodes, root, segmentsFromPointer(pointer), target);
      return position(skipInsignificant(text, fromYaml(offset)));
    },
  };
}

/** Offset of the node at the path (or of its deepest existing ancestor). */
function locate(
  nodes: NodeTable,
  root: number,
  segments: readonly string[],
  target: 'value' | 'key',
): number {
  let frame = root;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as string;
    const result = nodes.results[frame];
    const children = nodes.children(frame);
    let next: number | undefined;
    if (Array.isArray(result)) {
      // An empty entry (`- ` alone) opens no node: indices only hold when every entry did.
      const item: unknown = /^\d+$/.test(segment) ? result[Number(segment)] : undefined;
      next =
        children.length === result.length
          ? children[Number(segment)]
          : typeof item === 'object' && item !== null
            ? children.find((child) => nodes.results[child] === item)
            : undefined;
    } else if (result !== null && typeof result === 'object') {
      // Mapping children alternate key, value, in source order.
      for (let k = 0; k + 1 < children.length; k += 2) {
        const key = children[k] as number;
        if (String(nodes.results[key]) === segment) {
          if (i === segments.length - 1 && target === 'key') return nodes.start(key);
          next = children[k + 1];
          break;
        }
      }
    }
    if (next === undefined) return nodes.start(frame);
    frame = next;
  }
  return nodes.start(frame);
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
function shapeProblem(root: unknown, text: string, nodeCount: number): string | undefined {
  // Without an alias (`*name`) every value is a node of its own: no cycle, and no more values
  // than nodes. Most files have no `*` at all, and skip the walk.
  if (nodeCount <= MAX_VALUES && !text.includes('*')) return undefined;
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
  if (!text.includes('\r')) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
    return starts;
  }
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
