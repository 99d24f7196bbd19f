/** outputRawFormat yaml: core schema, several documents as an array, clean error messages. */

import { describe, expect, it } from 'vitest';
import { decodeText, errorOf } from './decode-helpers.js';

const yaml = (text: string): unknown => decodeText('yaml', text, 'application/yaml');

describe('yaml decoding', () => {
  it('parses a YAML document to JSON values', () => {
    const body = `users:
  - id: 1
    name: Alice
    email: alice@example.com
  - id: 2
    name: "Bob"
    tags: [a, b]
total: 2.5
`;
    expect(yaml(body)).toEqual({
      users: [
        { id: 1, name: 'Alice', email: 'alice@example.com' },
        { id: 2, name: 'Bob', tags: ['a', 'b'] },
      ],
      total: 2.5,
    });
  });

  it('uses the core schema: no timestamps, no yes/no booleans', () => {
    expect(yaml('when: 2024-01-02\nanswer: yes\nnone: ~\n')).toEqual({
      when: '2024-01-02',
      answer: 'yes',
      none: null,
    });
  });

  it('returns several documents as an array and a comment-only body as null', () => {
    expect(yaml('a: 1\n---\na: 2\n')).toEqual([{ a: 1 }, { a: 2 }]);
    expect(yaml('# nothing here\n')).toBeNull();
  });

  it('keeps the last of duplicate keys', () => {
    expect(yaml('a: 1\na: 2\n')).toEqual({ a: 2 });
  });

  it('rejects malformed YAML with a position and no source excerpt', () => {
    const err = errorOf(() => yaml('a: [1, 2\nb: }\n'));
    expect(err.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(err.message).toMatch(/not valid yaml: .* at line \d+, column \d+/);
    expect(err.message).not.toContain('\n');
  });
});
