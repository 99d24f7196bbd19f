/**
 * Text-level mutations of a YAML document for the loader fuzzer: lines deleted, duplicated or
 * swapped, truncation, stray bytes (NUL, CR, tabs, lone surrogates, BOMs), broken indentation,
 * unbalanced quotes and brackets, huge scalars, deep nesting, alias bombs and cycles, tags,
 * multiple documents. Each returns the new text; the name says what was done, for replay.
 */
import type { Rng } from './prng.js';

export interface TextMutation {
  readonly name: string;
  apply(text: string, rng: Rng): string;
}

// prettier-ignore
const STRAY = [
  '\0', '\r', '\t', '\n', '\u00a0', '\u2028', '\u2029', '\ufeff', '\ud800', '\udfff', '\u{1f4a5}',
  'é', '\x1b', '\x7f', '\ufffe', '\u0085', ':', '-', '#', '&', '*', '!', '|', '>', '%', '@', '`',
  '{', '}', '[', ']', ',', '?', '"', "'", '\\', '{{', '}}', '$..[', '<<', '---', '...',
];

const lines = (text: string): string[] => text.split('\n');

const at = (text: string, rng: Rng): number => rng.int(0, text.length);

function splice(text: string, offset: number, remove: number, insert: string): string {
  return text.slice(0, offset) + insert + text.slice(offset + remove);
}

/** Offset just after a random `: ` (a mapping value's start), or a random offset. */
function valueOffset(text: string, rng: Rng): number {
  const offsets = [...text.matchAll(/: /g)].map((m) => m.index + 2);
  return offsets.length > 0 ? rng.pick(offsets) : at(text, rng);
}

function withLines(text: string, rng: Rng, edit: (ls: string[], i: number) => void): string {
  const ls = lines(text);
  edit(ls, rng.int(0, ls.length - 1));
  return ls.join('\n');
}

function nested(depth: number, flow: boolean): string {
  if (flow) return '['.repeat(depth) + ']'.repeat(depth);
  let out = '';
  for (let d = 0; d < depth; d++) out += `\n${' '.repeat(d + 2)}k${d}:`;
  return out + ' end';
}

function laughs(levels: number, width: number): string {
  const out = [`x-lol0: &l0 "lol"`];
  for (let l = 1; l <= levels; l++) {
    out.push(`x-lol${l}: &l${l} [${Array.from({ length: width }, () => `*l${l - 1}`).join(', ')}]`);
  }
  return out.join('\n');
}

export const TEXT_MUTATIONS: readonly TextMutation[] = [
  { name: 'delete-line', apply: (t, r) => withLines(t, r, (ls, i) => ls.splice(i, 1)) },
  {
    name: 'duplicate-line',
    apply: (t, r) => withLines(t, r, (ls, i) => ls.splice(i, 0, ls[i] ?? '')),
  },
  {
    name: 'swap-lines',
    apply: (t, r) =>
      withLines(t, r, (ls, i) => {
        const j = r.int(0, ls.length - 1);
        [ls[i], ls[j]] = [ls[j] ?? '', ls[i] ?? ''];
      }),
  },
  { name: 'truncate', apply: (t, r) => t.slice(0, at(t, r)) },
  {
    name: 'stray-bytes',
    apply: (t, r) => {
      let out = t;
      for (let n = r.int(1, 8); n > 0; n--) out = splice(out, at(out, r), 0, r.pick(STRAY));
      return out;
    },
  },
  { name: 'replace-char', apply: (t, r) => splice(t, at(t, r), 1, r.pick(STRAY)) },
  {
    name: 'break-indentation',
    apply: (t, r) =>
      withLines(t, r, (ls, i) => {
        const line = ls[i] ?? '';
        const kind = r.int(0, 2);
        ls[i] =
          kind === 0
            ? ' '.repeat(r.int(1, 3)) + line
            : kind === 1
              ? line.replace(/^ {1,3}/, '')
              : line.replace(/^( +)/, (s) => '\t'.repeat(Math.ceil(s.length / 2)));
      }),
  },
  {
    name: 'unbalanced',
    apply: (t, r) => splice(t, valueOffset(t, r), 0, r.pick(['"', "'", '[', '{', ']', '}', '{{'])),
  },
  {
    name: 'huge-scalar',
    apply: (t, r) => {
      const size = r.pick([10_000, 100_000, 1_000_000]);
      const unit = r.pick(['a', 'x-', '{{', '$.', '\\u00e9', ' ', '/{a}']);
      const huge = unit.repeat(Math.ceil(size / unit.length));
      return r.chance(0.5)
        ? splice(t, valueOffset(t, r), 0, JSON.stringify(huge))
        : `${t}\nx-huge-${r.int(0, 9)}: ${JSON.stringify(huge)}\n`;
    },
  },
  {
    name: 'huge-key',
    apply: (t) => `${'k'.repeat(200_000)}: 1\n${t}`,
  },
  {
    name: 'deep-nesting',
    apply: (t, r) => {
      const flow = r.chance(0.5);
      const depth = flow ? r.pick([100, 1_000, 10_000, 100_000]) : r.pick([50, 500, 2_000]);
      return `${t}\nx-deep:${flow ? ' ' : ''}${nested(depth, flow)}\n`;
    },
  },
  {
    name: 'billion-laughs',
    apply: (t, r) => `${laughs(r.int(4, 9), r.int(5, 10))}\n${t}`,
  },
  {
    name: 'alias-cycle',
    apply: (t, r) =>
      r.chance(0.5) ? `${t}\nx-cycle: &cyc\n  self: *cyc\n` : `${t}\nx-cycle: &cyc [1, *cyc]\n`,
  },
  {
    name: 'alias-misuse',
    apply: (t, r) =>
      splice(
        t,
        valueOffset(t, r),
        0,
        r.pick(['*undefined ', '&a &b ', '*a\n', '&anchor', '<<: *nope\n', '*']),
      ),
  },
  {
    name: 'merge-keys',
    apply: (t) =>
      `x-base: &base {a: 1, b: [1, 2]}\nx-merged:\n  <<: [*base, *base]\n  <<: *base\n${t}`,
  },
  {
    name: 'tag',
    apply: (t, r) =>
      splice(
        t,
        valueOffset(t, r),
        0,
        `${r.pick(['!!binary', '!!set', '!!omap', '!!js/regexp', '!!js/function', '!custom', '!!str', '!!int', '!!map', '!!seq', '!<tag:x>'])} `,
      ),
  },
  {
    name: 'documents',
    apply: (t, r) =>
      r.pick([
        `${t}\n---\nnaftiko: 1.0.0-alpha2\n`,
        `---\n${t}\n...\n`,
        `%YAML 1.2\n---\n${t}`,
        `%YAML 9.9\n${t}`,
        `%TAG ! tag:x:\n${t}`,
      ]),
  },
  {
    name: 'line-endings',
    apply: (t, r) => (r.chance(0.5) ? t.replace(/\n/g, '\r\n') : t.replace(/\n/g, '\r')),
  },
  { name: 'bom', apply: (t, r) => (r.chance(0.5) ? '\ufeff' : '\ufeff\ufeff') + t },
  {
    name: 'odd-keys',
    apply: (t, r) =>
      `${r.pick(['__proto__: {polluted: true}', 'constructor: 1', '? [a, b]\n: complex', '? {a: 1}\n: map-key', '1: number-key', 'null: null-key', '"": empty-key', 'hasOwnProperty: 1'])}\n${t}`,
  },
  {
    name: 'replace-document',
    apply: (_t, r) =>
      r.pick([
        '',
        ' ',
        '\n\n',
        '# only a comment\n',
        '---\n',
        '~',
        'null',
        '[]',
        '{}',
        '42',
        '"text"',
        '- a\n- b',
        '\0',
        '\ufeff',
        'naftiko:',
        'naftiko: [',
        '{"naftiko": "1.0.0-alpha2"}',
      ]),
  },
];
