/** outputRawFormat markdown: `{ frontMatter, tables, sections }` like the reference engine. */

import { describe, expect, it } from 'vitest';
import { decodeText, errorOf } from './decode-helpers.js';

const README = `---
title: Product Release Notes
version: 2
---
Intro before any heading is not a section.

# Overview

This release adds **search** and \`export\`,
across all plans.

| Feature | Status | Owner |
|---------|:------:|-------|
| Search  | GA     | Ann   |
| Export \\| CSV | Beta |

## Changes

- faster sync
- fixes &amp; polish

\`\`\`sh
npm install
\`\`\`

## Known issues
`;

const md = (text: string, outputSchema?: string): unknown =>
  decodeText('markdown', text, 'text/markdown', { outputSchema });

describe('markdown decoding', () => {
  it('extracts front matter, tables and sections', () => {
    expect(md(README)).toEqual({
      frontMatter: { title: 'Product Release Notes', version: 2 },
      tables: [
        [
          { Feature: 'Search', Status: 'GA', Owner: 'Ann' },
          { Feature: 'Export | CSV', Status: 'Beta', Owner: '' },
        ],
      ],
      sections: [
        {
          heading: 'Overview',
          level: 1,
          content: 'This release adds search and export, across all plans.',
        },
        { heading: 'Changes', level: 2, content: 'faster sync\nfixes & polish\nnpm install' },
        { heading: 'Known issues', level: 2, content: '' },
      ],
    });
  });

  it('keeps only the sections whose heading starts with outputSchema', () => {
    const result = md(README, 'Chan') as { sections: { heading: string }[]; tables: unknown[] };
    expect(result.sections.map((s) => s.heading)).toEqual(['Changes']);
    expect(result.tables).toHaveLength(1);
  });

  it('gives an empty front matter when there is none or it is not a mapping', () => {
    expect(md('# Title\ntext\n')).toEqual({
      frontMatter: {},
      tables: [],
      sections: [{ heading: 'Title', level: 1, content: 'text' }],
    });
    expect((md('---\n- a\n---\n# T\n') as { frontMatter: unknown }).frontMatter).toEqual({});
  });

  it('reads CRLF documents and a setext heading with a hard line break', () => {
    const result = md('---\r\ntitle: x\r\n---\r\nTitle\r\n=====\r\nline one\\\r\nline two\r\n');
    expect(result).toEqual({
      frontMatter: { title: 'x' },
      tables: [],
      sections: [{ heading: 'Title', level: 1, content: 'line one\nline two' }],
    });
  });

  it('rejects front matter that is not valid YAML', () => {
    const err = errorOf(() => md('---\ntitle: [oops\n---\n# T\n'));
    expect(err.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(err.message).toMatch(/not valid markdown: front matter is not valid YAML/);
  });
});
