/**
 * The table contract shared by the html and markdown formats: a table is an array of row
 * objects keyed by its header cells, every value a trimmed string.
 *
 * As in the reference engine: a table whose header cells are all blank is left out, a short row
 * gets "" for its missing cells, extra cells beyond the header are dropped, and when two headers
 * have the same text the later cell wins.
 */

export type TableRow = Record<string, string>;

/** Trimmed headers, or `undefined` when there are none worth keying rows by. */
export function usableHeaders(raw: readonly string[]): string[] | undefined {
  const headers = raw.map((header) => header.trim());
  return headers.some((header) => header !== '') ? headers : undefined;
}

/** One object per row, keyed by `headers`. */
export function rowsToTable(headers: readonly string[], rows: readonly string[][]): TableRow[] {
  return rows.map((cells) => {
    const row: TableRow = {};
    headers.forEach((header, index) => {
      row[header] = cells[index]?.trim() ?? '';
    });
    return row;
  });
}
