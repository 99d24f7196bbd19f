/**
 * Writes plain JSON data (objects, arrays, strings, numbers, booleans, null) as YAML with the
 * `yaml` package, with comment lines in front of any object or array: the importer uses them to
 * say, next to an operation, what it left out and why. Strings are quoted whenever a YAML 1.1
 * reader would take them for something else (`yes`, `on`, `0x1F`, `2024-01-01`, `12:30`), not only
 * a YAML 1.2 one: the reference engine reads capabilities with a YAML 1.1 parser. No `%YAML`
 * directive is written.
 */
import { Document, isMap, isPair, isScalar, isSeq } from 'yaml';
import type { Node } from 'yaml';

/** Comment lines (without `#`) to write before a node. */
export type CommentMap = WeakMap<object, readonly string[]>;

export interface YamlWriteOptions {
  /** Comment lines written at the top of the document. */
  readonly header?: readonly string[];
  readonly comments?: CommentMap;
}

/** `yaml` writes `#` + each line of a comment: a leading space keeps `# text`. */
function commentText(lines: readonly string[]): string {
  return lines
    .flatMap((line) => line.split('\n'))
    .map((line) => (line === '' ? '' : ` ${line}`))
    .join('\n');
}

function isContainer(value: unknown): value is object {
  return value !== null && typeof value === 'object';
}

/** Walks the data and its document nodes side by side, attaching each container's comment. */
function attach(value: unknown, node: unknown, comments: CommentMap): void {
  if (Array.isArray(value) && isSeq(node)) {
    value.forEach((item, i) => {
      const child = node.items[i];
      if (isContainer(item)) {
        const lines = comments.get(item);
        if (lines !== undefined && child !== null && typeof child === 'object') {
          (child as Node).commentBefore = commentText(lines);
        }
        attach(item, child, comments);
      }
    });
    return;
  }
  if (isContainer(value) && isMap(node)) {
    const record = value as Record<string, unknown>;
    for (const pair of node.items) {
      if (!isPair(pair) || !isScalar(pair.key)) continue;
      const child = record[String(pair.key.value)];
      if (!isContainer(child)) continue;
      const lines = comments.get(child);
      // Before the key: the comment reads as being about the entry, not inside its value.
      if (lines !== undefined) pair.key.commentBefore = commentText(lines);
      attach(child, pair.value, comments);
    }
  }
}

/** The YAML text of `value` (an object at the top), with the header and node comments. */
export function writeYaml(value: Record<string, unknown>, options: YamlWriteOptions = {}): string {
  const doc = new Document(value, { version: '1.1' });
  if (options.header !== undefined && options.header.length > 0) {
    doc.commentBefore = commentText(options.header);
  }
  if (options.comments !== undefined) attach(value, doc.contents, options.comments);
  // No line folding: descriptions stay on one line, as in hand-written capability files.
  return doc.toString({ lineWidth: 0 });
}
