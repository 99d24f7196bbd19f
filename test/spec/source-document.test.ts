import { describe, expect, it } from 'vitest';
import { parseSource } from '../../src/spec/source-document.js';

const at = (text: string, pointer: string, target?: 'key' | 'value') => {
  const { line, column } = parseSource('t.yaml', text).positionOf(pointer, target);
  return `${line}:${column}`;
};

describe('source positions', () => {
  const text = [
    'a: 1', // 1
    'b:', // 2
    '  - x', // 3
    '  - {y: 2, "z": [3, 4]}', // 4
    'c: &anchor', // 5
    '  d: hello # comment', // 6
    'e: *anchor', // 7
    'f:', // 8
    'g: |', // 9
    '  text', // 10
    'h:   # a comment', // 11
    '  # another', // 12
    '  deep: true', // 13
    '"quoted key": 5', // 14
  ].join('\n');

  it('parses YAML 1.2 core: dates stay strings, aliases resolve', () => {
    const doc = parseSource('t.yaml', 'd: 2026-05-19\nn: null\nb: yes\n');
    expect(doc.value).toEqual({ d: '2026-05-19', n: null, b: 'yes' });
    expect((parseSource('t.yaml', text).value as { e: unknown }).e).toEqual({ d: 'hello' });
  });

  it('finds values and keys of block and flow nodes', () => {
    expect(at(text, '')).toBe('1:1');
    expect(at(text, '/a')).toBe('1:4');
    expect(at(text, '/a', 'key')).toBe('1:1');
    expect(at(text, '/b')).toBe('3:3');
    expect(at(text, '/b/0')).toBe('3:5');
    expect(at(text, '/b/1')).toBe('4:5');
    expect(at(text, '/b/1/y')).toBe('4:9');
    expect(at(text, '/b/1/z', 'key')).toBe('4:12');
    expect(at(text, '/b/1/z/1')).toBe('4:21');
    expect(at(text, '/c/d')).toBe('6:6');
    expect(at(text, '/e')).toBe('7:4');
    expect(at(text, '/g')).toBe('9:4');
    expect(at(text, '/quoted key')).toBe('14:15');
  });

  it('skips comments between a key and its value', () => {
    expect(at(text, '/h')).toBe('13:3');
    expect(at(text, '/h/deep')).toBe('13:9');
  });

  it('falls back to the deepest existing ancestor', () => {
    expect(at(text, '/b/1/missing')).toBe('4:5');
    expect(at(text, '/b/9')).toBe('3:3');
    expect(at(text, '/a/deeper')).toBe('1:4');
  });

  it('reads JSON with positions', () => {
    const json = '{\n  "naftiko": "1.0.0-alpha2",\n  "capability": {"exposes": []}\n}';
    expect(at(json, '/capability/exposes')).toBe('3:29');
    expect(at(json, '/naftiko', 'key')).toBe('2:3');
  });

  it('reports syntax errors with their position', () => {
    const bad = parseSource('t.yaml', 'a:\n  b: 1\n c: 2\n');
    expect(bad.value).toBeUndefined();
    expect(bad.diagnostics.map((d) => `${d.line}:${d.column} ${d.rule}`)).toEqual([
      '3:2 yaml-syntax',
    ]);
    const dup = parseSource('t.yaml', 'a: 1\nb: 2\na: 3\n');
    expect(dup.diagnostics.map((d) => `${d.line}:${d.column} ${d.rule}`)).toEqual([
      '3:1 yaml-duplicate-key',
    ]);
    const multi = parseSource('t.yaml', 'a: 1\n---\nb: 2\n');
    expect(multi.diagnostics[0]?.message).toMatch(/single document/);
    expect(multi.diagnostics.map((d) => `${d.line}:${d.column}`)).toEqual(['2:1']);
  });

  it('ignores a byte-order mark when counting columns', () => {
    expect(at('\ufeffa: 1\nb: 2\n', '/a')).toBe('1:4');
    expect(at('\ufeffa: 1\nb: 2\n', '/b')).toBe('2:4');
  });

  it('refuses empty files, alias cycles and alias bombs', () => {
    const rules = (text: string) => parseSource('t.yaml', text).diagnostics.map((d) => d.rule);
    expect(rules('')).toEqual(['document-empty']);
    expect(rules('\ufeff')).toEqual(['document-empty']);
    expect(rules('a: &d {self: *d}\n')).toEqual(['yaml-alias']);
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 8; i++) {
      const refs = Array.from({ length: 10 }, () => `*${String.fromCharCode(97 + i)}`).join(', ');
      bomb.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${refs}]`);
    }
    expect(rules(bomb.join('\n'))).toEqual(['yaml-alias']);
  });

  it('keeps positions right after an empty list entry', () => {
    const text = 'list:\n  -\n  - {a: 1}\n  - b\n';
    expect(at(text, '/list/1/a')).toBe('3:9');
    expect(at(text, '/list/0')).toBe('2:3');
  });

  // Found by the loader fuzzer (test/reliability/loader-fuzz.test.ts): positions outside the file.
  it('counts a lone CR as a line break, as js-yaml does (YAML 1.2 §5.4)', () => {
    const cr = 'a: 1\rb:\r  c: [x\r';
    const bad = parseSource('t.yaml', cr);
    expect(bad.diagnostics.map((d) => `${d.line}:${d.column} ${d.rule}`)).toEqual([
      '4:1 yaml-syntax',
    ]);
    expect(at('a: 1\rb:\r  c: 2\r', '/b/c')).toBe('3:6');
    expect(at('a: 1\r\nb: 2\r\n', '/b')).toBe('2:4');
    const multi = parseSource('t.yaml', 'a: 1\r---\rb: 2\r');
    expect(multi.diagnostics.map((d) => `${d.line}:${d.column}`)).toEqual(['2:1']);
  });

  it('never places a position past the end of a file without a final line break', () => {
    const briefs = (text: string) =>
      parseSource('t.yaml', text).diagnostics.map((d) => `${d.line}:${d.column} ${d.rule}`);
    // js-yaml appends a line break before parsing: its end-of-input mark is one past the text.
    expect(briefs('naftiko: "1.0')).toEqual(['1:14 yaml-syntax']);
    expect(briefs('a: [1, 2')).toEqual(['1:9 yaml-syntax']);
    // A comment alone is a null document, located at the end of its only line.
    expect(at('# only a comment', '')).toBe('1:17');
    // A second byte-order mark is dropped by js-yaml too: columns still count from the text.
    expect(at('\ufeff\ufeffa: 1\nb: 2\n', '/a')).toBe('1:5');
    expect(briefs('\ufeff\ufeffa: [1')).toEqual(['1:7 yaml-syntax']);
  });
});
