/**
 * outputRawFormat `markdown`: a document becomes `{ frontMatter, tables, sections }`, the
 * reference engine's contract (commonmark with GFM tables there, micromark/mdast here):
 * - `frontMatter`: the YAML block between a leading `---` line and the next `---` line, when it
 *   is a mapping; `{}` otherwise. Front matter that is not valid YAML is an error.
 * - `tables`: each top-level GFM table, as an array of row objects keyed by its header cells.
 * - `sections`: one `{ heading, level, content }` per heading, in order; `content` is the text
 *   of the blocks up to the next heading of any level, tables excluded, one block per line
 *   (list items each on their own line and code blocks kept, where the reference loses them).
 *   `outputSchema`, when set, keeps only the sections whose heading starts with it.
 */

import type { Root } from 'mdast';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfmTableFromMarkdown } from 'mdast-util-gfm-table';
import { gfmTable } from 'micromark-extension-gfm-table';
import { badResponse } from './bad-response.js';
import { parseYaml, yamlProblem } from './decode-yaml.js';
import { blockText, inlineText } from './markdown-text.js';
import { rowsToTable, usableHeaders, type TableRow } from './table-rows.js';

export interface MarkdownSection {
  heading: string;
  level: number;
  content: string;
}

export interface MarkdownDocument {
  frontMatter: Record<string, unknown>;
  tables: TableRow[][];
  sections: MarkdownSection[];
}

const FRONT_MATTER = /^---[ \t]*\n(?:([\s\S]*?)\n)?---[ \t]*(?:\n|$)/;

function splitFrontMatter(text: string): { frontMatter: Record<string, unknown>; body: string } {
  const match = FRONT_MATTER.exec(text);
  if (match === null) return { frontMatter: {}, body: text };
  let documents: unknown[];
  try {
    documents = parseYaml(match[1] ?? '');
  } catch (err) {
    throw badResponse('markdown', `front matter is not valid YAML: ${yamlProblem(err)}`);
  }
  const [first] = documents;
  const isMapping = typeof first === 'object' && first !== null && !Array.isArray(first);
  return {
    frontMatter: isMapping ? (first as Record<string, unknown>) : {},
    body: text.slice(match[0].length),
  };
}

function readTables(root: Root): TableRow[][] {
  const tables: TableRow[][] = [];
  for (const node of root.children) {
    if (node.type !== 'table') continue;
    const [head, ...body] = node.children;
    const headers = usableHeaders(head?.children.map((cell) => inlineText(cell)) ?? []);
    if (headers === undefined) continue;
    const rows = body.map((row) => row.children.map((cell) => inlineText(cell)));
    tables.push(rowsToTable(headers, rows));
  }
  return tables;
}

function readSections(root: Root, filter: string | undefined): MarkdownSection[] {
  const sections: MarkdownSection[] = [];
  let current: { section: MarkdownSection; blocks: string[] } | undefined;
  const close = (): void => {
    if (current === undefined) return;
    current.section.content = current.blocks.join('\n').trim();
    const { heading } = current.section;
    if (filter === undefined || filter.trim() === '' || heading.startsWith(filter)) {
      sections.push(current.section);
    }
  };
  for (const node of root.children) {
    if (node.type === 'heading') {
      close();
      const section = { heading: inlineText(node).trim(), level: node.depth, content: '' };
      current = { section, blocks: [] };
    } else if (current !== undefined && node.type !== 'table') {
      const text = blockText(node).trim();
      if (text !== '') current.blocks.push(text);
    }
  }
  close();
  return sections;
}

/** Parses a markdown document; `sectionFilter` is the optional outputSchema. */
export function decodeMarkdown(text: string, sectionFilter?: string): MarkdownDocument {
  const { frontMatter, body } = splitFrontMatter(text.replace(/\r\n?/g, '\n'));
  const root = fromMarkdown(body, {
    extensions: [gfmTable()],
    mdastExtensions: [gfmTableFromMarkdown()],
  });
  return { frontMatter, tables: readTables(root), sections: readSections(root, sectionFilter) };
}
