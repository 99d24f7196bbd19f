/**
 * Output mapping (contract §6): turns an upstream body (or the context of a step run) into the
 * result of an exposed operation or tool, as its `outputParameters` describe. Compiled at load.
 *
 * - one output: its mapped value is the result; several named outputs: an object keyed by name;
 * - `object` with `properties`: an object of its children, each evaluated against the parent's
 *   mapped value (or, without a parent `mapping`, against the same value as the parent);
 * - `array` with `items`: every element mapped (`$` inside `items` is the element);
 * - `object`/`array` with a `mapping` and no `properties`/`items`: the value passes through;
 * - `const` is a constant, `value` a template (mock values); scalars are coerced to the declared
 *   type where no information is lost.
 */
import type { Lookup } from '../spec/template.js';
import { compileTemplate } from '../spec/template.js';
import type { OutputParameter, OutputType } from '../spec/types.js';
import { compilePath } from './jsonpath.js';

/** Maps a value; `scope` resolves templates in `value` outputs. */
export type Mapper = (value: unknown, scope: Lookup) => unknown;

interface Node {
  name?: string;
  type: OutputType;
  mapping?: string;
  const?: unknown;
  value?: string;
  properties?: Record<string, Node>;
  items?: Node | Node[];
}

/**
 * True when the outputs return the whole upstream value unchanged (one unnamed object or array
 * output mapped from `$` with nothing to build): the body can then pass through as bytes, which
 * is faster and keeps what a JSON round trip would lose (integers beyond 2^53, key order).
 */
export function isIdentity(outputs: readonly OutputParameter[]): boolean {
  const [only] = outputs;
  if (outputs.length !== 1 || only === undefined || 'name' in only) return false;
  const node = only as Node;
  return (
    (node.type === 'object' || node.type === 'array') &&
    typeof node.mapping === 'string' &&
    /^\$\.?$/.test(node.mapping.trim()) &&
    node.properties === undefined &&
    node.items === undefined &&
    node.const === undefined &&
    node.value === undefined
  );
}

export function compileOutputs(outputs: readonly OutputParameter[]): Mapper {
  const mappers = outputs.map((o) => compileNode(o as Node));
  const names = outputs.map((o) => ('name' in o ? o.name : undefined));
  const first = mappers[0];
  if (mappers.length === 1 && first !== undefined && names[0] === undefined) return first;
  if (names.every((n) => n !== undefined)) {
    return (value, scope) =>
      Object.fromEntries(mappers.map((m, i) => [names[i] as string, m(value, scope)]));
  }
  return (value, scope) => mappers.map((m) => m(value, scope));
}

function compileNode(node: Node): Mapper {
  if ('const' in node && node.const !== undefined) {
    const constant = node.const;
    return () => constant;
  }
  if (typeof node.value === 'string' && node.mapping === undefined) {
    const template = compileTemplate(node.value);
    return (_value, scope) => coerce(template.render(scope).text, node.type);
  }
  const select = node.mapping === undefined ? undefined : compilePath(node.mapping);
  const at = (value: unknown) => (select ? select.evaluate(value) : value);

  if (node.type === 'object' && node.properties) {
    const children = Object.entries(node.properties).map(
      ([k, child]) => [k, compileNode(child)] as const,
    );
    return (value, scope) => {
      const base = at(value);
      if (select && (base === undefined || base === null)) return base ?? null;
      return Object.fromEntries(children.map(([k, m]) => [k, m(base, scope)]));
    };
  }
  if (node.type === 'array' && node.items) {
    const items = Array.isArray(node.items) ? node.items : [node.items];
    const element =
      items.length === 1
        ? compileNode(items[0] as Node)
        : compileOutputs(items as OutputParameter[]);
    return (value, scope) => {
      const base = at(value);
      if (!Array.isArray(base))
        return base === undefined || base === null ? [] : [element(base, scope)];
      return base.map((item) => element(item, scope));
    };
  }
  return (value) => coerce(at(value), node.type);
}

/** Converts a scalar to the declared type when that loses nothing; otherwise keeps it. */
export function coerce(value: unknown, type: OutputType): unknown {
  if (value === undefined || value === null) return value ?? null;
  switch (type) {
    case 'string':
      return typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint'
        ? String(value)
        : value;
    case 'number':
      return typeof value === 'string' ? numberFromText(value) : value;
    case 'boolean':
      return value === 'true' ? true : value === 'false' ? false : value;
    default:
      return value;
  }
}

/** A JSON number literal (RFC 8259 §6): no `+`, no leading zeros, no spaces, no hex. */
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/**
 * Contract §6: a string that is a JSON number literal becomes the number JSON.parse gives for
 * it (`"19.90"` → 19.9, `"-3e2"` → -300), unless that number is an integer a double cannot hold
 * exactly (beyond ±(2^53 − 1)) or overflows: then the text is kept, so nothing is lost.
 */
function numberFromText(text: string): unknown {
  if (!JSON_NUMBER.test(text)) return text;
  const n = Number(text);
  if (!Number.isFinite(n)) return text;
  return Number.isInteger(n) && !Number.isSafeInteger(n) ? text : n;
}

/**
 * Orchestrated-mode outputs: named, filled by step `mappings`. Each output takes the field of
 * the same name from the mappings' result (objects recurse into their `properties`).
 */
export function compileOrchestrated(outputs: readonly OutputParameter[]): Mapper {
  const pick =
    (nodes: readonly Node[]) =>
    (value: unknown): unknown => {
      const source =
        value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
      return Object.fromEntries(
        nodes.map((node) => {
          const field = source[node.name as string];
          if (node.type === 'object' && node.properties) {
            const children = Object.entries(node.properties).map(([k, child]) => ({
              ...child,
              name: child.name ?? k,
            }));
            return [node.name, pick(children)(field ?? source)];
          }
          return [node.name, coerce(field, node.type)];
        }),
      );
    };
  return pick(outputs as readonly Node[]);
}
