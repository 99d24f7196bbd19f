/**
 * outputRawFormat `csv`, `tsv` and `psv`: delimited text (`,`, tab, `|`) becomes an array of row
 * objects keyed by the header row, as in the reference engine (Jackson's CSV reader with a header
 * schema). Every value stays a string: "42" is not turned into 42.
 *
 * Fields follow RFC 4180: double quotes wrap fields holding delimiters, quotes or line breaks, and
 * `""` is a quote inside them. Lenient where real feeds are sloppy: blank lines are skipped, a
 * short row simply lacks its missing columns, a stray quote inside an unquoted field is kept as
 * text. A row with more fields than the header has is an error (the reference rejects it too).
 */

import { parse } from 'csv-parse/sync';
import { badResponse, problemOf } from './bad-response.js';

export type DelimitedFormat = 'csv' | 'tsv' | 'psv';

const DELIMITERS: Record<DelimitedFormat, string> = { csv: ',', tsv: '\t', psv: '|' };

/** Parses delimited `text` into one object per data row. */
export function decodeDelimited(format: DelimitedFormat, text: string): Record<string, string>[] {
  try {
    return parse(text, {
      delimiter: DELIMITERS[format],
      columns: true,
      bom: true,
      skip_empty_lines: true,
      relax_column_count_less: true,
      relax_quotes: true,
    }) as Record<string, string>[];
  } catch (err) {
    throw badResponse(format, problemOf(err));
  }
}
