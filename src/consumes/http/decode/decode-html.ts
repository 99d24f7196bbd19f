/**
 * outputRawFormat `html`: the page's tables become `{ tables: [ [row, ...], ... ] }`, the same
 * contract as the reference engine (jsoup there, cheerio with the spec-compliant parse5 here).
 *
 * - `outputSchema`, when set, is a CSS selector: selected tables, and tables inside selected
 *   elements, are read; otherwise every table of the page is, in document order.
 * - Headers are the `th` cells of the first row of `thead`, else of the table's first row; a
 *   table without `th` headers is left out.
 * - Data rows are the `tbody` rows (all rows when there is none) that have `td` cells and no
 *   `th`. Cell text has its whitespace collapsed, as a browser would show it.
 */

import { load, type CheerioAPI } from 'cheerio';
import { NaftikoError } from '../../../errors.js';
import { rowsToTable, usableHeaders, type TableRow } from './table-rows.js';

/** The few fields of a parsed DOM node that the text walk needs. */
interface DomNode {
  type: string;
  name?: string;
  data?: string;
  children?: DomNode[];
}

const SPACED = /^(br|p|div|li|ul|ol|h[1-6]|tr|td|th|table|section|article|blockquote|pre|hr)$/;

function textOf(node: DomNode): string {
  if (node.type === 'text') return node.data ?? '';
  if (node.type !== 'tag') return '';
  const inner = (node.children ?? []).map(textOf).join('');
  return SPACED.test(node.name ?? '') ? ` ${inner} ` : inner;
}

/** A cell's text as a browser shows it: block breaks become spaces, whitespace collapsed. */
function cellText(cell: DomNode): string {
  const inner = (cell.children ?? []).map(textOf).join('');
  return inner.replace(/\s+/g, ' ').trim();
}

/** The rows of one table keyed by its headers, or `undefined` when it has no `th` headers. */
function readTable($: CheerioAPI, table: Parameters<CheerioAPI>[0]): TableRow[] | undefined {
  const $table = $(table);
  let headerCells = $table.find('thead tr:first-child th');
  if (headerCells.length === 0) headerCells = $table.find('tr:first-child th');
  const headers = usableHeaders(headerCells.toArray().map(cellText));
  if (headers === undefined) return undefined;

  let rowElements = $table.find('tbody tr');
  if (rowElements.length === 0) rowElements = $table.find('tr');
  const rows: string[][] = [];
  rowElements.each((_, row) => {
    const $row = $(row);
    const cells = $row.find('td');
    if ($row.find('th').length === 0 && cells.length > 0) rows.push(cells.toArray().map(cellText));
  });
  return rowsToTable(headers, rows);
}

/** Checks a CSS selector once, at load time, so a bad `outputSchema` fails early. */
export function checkHtmlSelector(selector: string | undefined): void {
  if (selector === undefined || selector.trim() === '') return;
  try {
    load('<table></table>')(selector);
  } catch (err) {
    throw new NaftikoError(
      'SPEC_INVALID',
      `outputSchema "${selector}" is not a valid CSS selector for the html format`,
      { cause: err },
    );
  }
}

/** Extracts the tables of an HTML page; `selector` is the optional outputSchema. */
export function decodeHtml(text: string, selector?: string): { tables: TableRow[][] } {
  const $ = load(text);
  const scoped = selector !== undefined && selector.trim() !== '';
  // Selected tables themselves, plus the tables inside any selected element.
  const tables = scoped ? $(selector).find('table').addBack('table') : $('table');
  const result: TableRow[][] = [];
  tables.each((_, table) => {
    const rows = readTable($, table);
    if (rows !== undefined) result.push(rows);
  });
  return { tables: result };
}
