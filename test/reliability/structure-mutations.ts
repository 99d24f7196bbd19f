/**
 * Structure-level mutations of a parsed capability for the loader fuzzer: keys removed or
 * renamed, values of the wrong type, empty arrays, nulls, numbers where strings go and strings
 * where objects go, duplicated namespaces, wrong `call`/`with` references, bogus `{{templates}}`
 * and JSONPath expressions, odd route paths. The value is mutated in place (callers pass a
 * clone) and serialised back by the fuzzer.
 */
import type { Rng } from './prng.js';

type Container = Record<string, unknown> | unknown[];

/** One place in the document: a container and the key of the value it holds there. */
interface Slot {
  readonly parent: Container;
  readonly key: string | number;
  readonly value: unknown;
}

export interface StructureMutation {
  readonly name: string;
  /** False when the document offers no place for this mutation. */
  apply(root: Record<string, unknown>, rng: Rng): boolean;
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function slots(root: unknown): Slot[] {
  const out: Slot[] = [];
  const seen = new Set<unknown>();
  const visit = (value: unknown) => {
    if (typeof value !== 'object' || value === null || seen.has(value)) return;
    seen.add(value);
    const entries: [string | number, unknown][] = Array.isArray(value)
      ? value.map((v, i) => [i, v])
      : Object.entries(value);
    for (const [key, child] of entries) {
      out.push({ parent: value as Container, key, value: child });
      visit(child);
    }
  };
  visit(root);
  return out;
}

function set(slot: Slot, value: unknown): void {
  (slot.parent as Record<string | number, unknown>)[slot.key] = value;
}

/** Applies `edit` to a random slot that `where` accepts. */
function onSlot(
  root: unknown,
  rng: Rng,
  where: (slot: Slot) => boolean,
  edit: (slot: Slot) => void,
): boolean {
  const candidates = slots(root).filter(where);
  if (candidates.length === 0) return false;
  edit(rng.pick(candidates));
  return true;
}

const any = (): boolean => true;
const inObject = (s: Slot): boolean => !Array.isArray(s.parent);
const keyed =
  (...names: string[]) =>
  (s: Slot): boolean =>
    typeof s.key === 'string' && names.includes(s.key);

// prettier-ignore
const ODD_STRINGS = [
  '', ' ', '\0', '\t\r\n', 'é\u{1f4a5}\ud800', 'x'.repeat(100_000), '{{', '}}', '{{ }}',
  '{{ nope }}', '{{a.b.c.d.e}}', '{{{{x}}}}', '}}{{', '{{ a | b }}', '{{__proto__}}',
  '{{constructor}}', '$..[', '$[', '$', '$..*..*..*', "$['__proto__']", '$.constructor',
  '$[?(@.x == ', '$[?(process.exit(1))]', '$[(@.length-1)]', '$[-1:]', '__proto__', 'constructor',
  'toString', 'hasOwnProperty', '.', 'a.b.c', 'nope.nope', '${x}', '%s%n',
];
const ODD_NUMBERS = [0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 2, Number.MAX_SAFE_INTEGER, 65536, 70000];
// prettier-ignore
const ODD_PATHS = [
  '', '/', '//', 'no-slash', '/{', '/}', '/{}', '/{a}/{a}', '/{a}(', '/{{a}}', '/:a', '/*',
  '/a/*/b', '/a?b=c', '/a?b', '/a#frag', '/%zz', '/\u{1f4a5}', '/a b', `/${'{x}'.repeat(200)}`,
  '/{a-b.c}', '/(a)', '/a/:b(\\d+)', '/..', '/{__proto__}',
];

const ODD_VALUES: readonly ((rng: Rng) => unknown)[] = [
  () => null,
  (r) => r.pick(ODD_NUMBERS),
  (r) => r.chance(0.5),
  () => [],
  () => ({}),
  (r) => [r.pick(ODD_STRINGS)],
  (r) => ({ [r.pick(ODD_STRINGS)]: r.pick(ODD_STRINGS) }),
  // js-yaml refuses nesting deeper than 100 (maxDepth); its dump is quadratic in depth.
  (r) => deep(r.pick([10, 50, 150])),
  (r) => r.pick(ODD_STRINGS),
  (r) => r.pick(ODD_STRINGS),
];

const oddValue = (rng: Rng): unknown => rng.pick(ODD_VALUES)(rng);

function deep(depth: number): unknown {
  let v: unknown = 'bottom';
  for (let d = 0; d < depth; d++) v = d % 2 === 0 ? [v] : { k: v };
  return v;
}

export const STRUCTURE_MUTATIONS: readonly StructureMutation[] = [
  {
    name: 'remove-key',
    apply: (root, r) =>
      onSlot(root, r, any, (s) => {
        if (Array.isArray(s.parent)) s.parent.splice(s.key as number, 1);
        else delete s.parent[s.key as string];
      }),
  },
  {
    name: 'rename-key',
    apply: (root, r) =>
      onSlot(root, r, inObject, (s) => {
        const parent = s.parent as Record<string, unknown>;
        delete parent[s.key as string];
        const name = r.pick([`${String(s.key)}x`, String(s.key).toUpperCase(), ...ODD_STRINGS]);
        Object.defineProperty(parent, name.slice(0, 1000), {
          value: s.value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }),
  },
  { name: 'odd-value', apply: (root, r) => onSlot(root, r, any, (s) => set(s, oddValue(r))) },
  {
    name: 'wrong-type',
    apply: (root, r) =>
      onSlot(root, r, any, (s) => {
        const v = s.value;
        if (typeof v === 'string') set(s, r.pick([Number(v) || 42, { value: v }, [v], true]));
        else if (typeof v === 'number' || typeof v === 'boolean') set(s, String(v));
        else if (Array.isArray(v)) set(s, r.chance(0.5) ? [] : (v[0] ?? 'x'));
        else if (isObj(v)) set(s, r.pick([JSON.stringify(v).slice(0, 200), [v], null, 1]));
        else set(s, 'null');
      }),
  },
  {
    name: 'array-edit',
    apply: (root, r) =>
      onSlot(
        root,
        r,
        (s) => Array.isArray(s.value) && s.value.length > 0,
        (s) => {
          const list = s.value as unknown[];
          const i = r.int(0, list.length - 1);
          const kind = r.int(0, 3);
          if (kind === 0) list.splice(i, 0, structuredClone(list[i]));
          else if (kind === 1) list.splice(i, 1);
          else if (kind === 2) list.reverse();
          else list.length = 0;
        },
      ),
  },
  {
    name: 'duplicate-namespace',
    apply: (root, r) =>
      onSlot(
        root,
        r,
        (s) => isObj(s.value) && typeof s.value.namespace === 'string',
        (s) => {
          const list = s.parent;
          if (Array.isArray(list) && r.chance(0.5)) list.push(structuredClone(s.value));
          else {
            const others = slots(root).filter((o) => o.key === 'namespace');
            (s.value as Record<string, unknown>).namespace = r.pick(others).value;
          }
        },
      ),
  },
  {
    name: 'bogus-call',
    apply: (root, r) =>
      onSlot(root, r, keyed('call', 'ref'), (s) => {
        const namespaces = slots(root)
          .filter((o) => o.key === 'namespace')
          .map((o) => o.value);
        const ns = String(r.pick(namespaces.length > 0 ? namespaces : ['x']));
        set(s, r.pick([`${ns}.nope`, `${ns}.`, ns, `.${ns}`, `${ns}.a.b`, ...ODD_STRINGS]));
      }),
  },
  {
    name: 'bogus-with',
    apply: (root, r) =>
      onSlot(root, r, keyed('with'), (s) => {
        if (isObj(s.value) && Object.keys(s.value).length > 0 && r.chance(0.7)) {
          const key = r.pick(Object.keys(s.value));
          s.value[r.chance(0.5) ? key : r.pick(ODD_STRINGS)] = oddValue(r);
        } else set(s, oddValue(r));
      }),
  },
  {
    name: 'bogus-template',
    apply: (root, r) =>
      onSlot(
        root,
        r,
        (s) => typeof s.value === 'string',
        (s) => {
          const v = s.value as string;
          const bogus = r.pick(ODD_STRINGS.filter((o) => o.includes('{{') || o.includes('}}')));
          set(s, r.chance(0.5) ? v + bogus : v.replace(/\{\{[^}]*\}\}/, bogus));
        },
      ),
  },
  {
    name: 'bogus-jsonpath',
    apply: (root, r) =>
      onSlot(
        root,
        r,
        (s) => typeof s.value === 'string' && s.value.startsWith('$'),
        (s) => set(s, r.pick(ODD_STRINGS.filter((o) => o.startsWith('$')))),
      ),
  },
  {
    name: 'odd-route',
    apply: (root, r) =>
      onSlot(root, r, keyed('path', 'uri', 'baseUri'), (s) => set(s, r.pick(ODD_PATHS))),
  },
  {
    name: 'odd-scalar-field',
    apply: (root, r) =>
      onSlot(root, r, keyed('port', 'method', 'type', 'in', 'name', 'namespace', 'naftiko'), (s) =>
        set(s, r.chance(0.5) ? oddValue(r) : r.pick([...ODD_NUMBERS, 'FOO', 'get', 'mcp', 'rest'])),
      ),
  },
];
