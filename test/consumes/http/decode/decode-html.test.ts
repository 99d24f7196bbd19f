/** outputRawFormat html: `{ tables }` from th-headed tables, outputSchema as a CSS selector. */

import { describe, expect, it } from 'vitest';
import { createDecoder } from '../../../../src/consumes/http/decode/index.js';
import { decodeText, errorOf } from './decode-helpers.js';

const PAGE = `<!doctype html><html><body>
<table class="nav"><tr><td>Home</td><td>About</td></tr></table>
<table class="products">
  <thead><tr><th>Name</th><th> Price </th><th>Stock</th></tr></thead>
  <tbody>
    <tr><td>Widget</td><td>$10</td><td>5</td></tr>
    <tr><td><a href="/g">Gadget</a>
      <br>Pro</td><td>$99</td></tr>
  </tbody>
</table>
<div id="more"><table><tr><th>Code</th></tr><tr><td>A&amp;B</td></tr><tr><td>C
</table></div>
</body></html>`;

describe('html decoding', () => {
  it('reads every th-headed table, in document order', () => {
    expect(decodeText('html', PAGE, 'text/html')).toEqual({
      tables: [
        [
          { Name: 'Widget', Price: '$10', Stock: '5' },
          { Name: 'Gadget Pro', Price: '$99', Stock: '' },
        ],
        [{ Code: 'A&B' }, { Code: 'C' }],
      ],
    });
  });

  it('scopes to the tables selected by outputSchema, as the reference capability does', () => {
    const options = { outputSchema: 'table.products' };
    const result = decodeText('html', PAGE, 'text/html', options) as { tables: unknown[][] };
    expect(result.tables).toHaveLength(1);
    expect(result.tables[0]?.[1]).toEqual({ Name: 'Gadget Pro', Price: '$99', Stock: '' });
    const inside = decodeText('html', PAGE, 'text/html', { outputSchema: '#more' });
    expect(inside).toEqual({ tables: [[{ Code: 'A&B' }, { Code: 'C' }]] });
  });

  it('takes headers from a first row of th cells when there is no thead', () => {
    const body =
      '<table><tr><th>k</th><th>v</th></tr><tr><td>a</td><td>1</td><td>x</td></tr></table>';
    expect(decodeText('html', body, 'text/html')).toEqual({ tables: [[{ k: 'a', v: '1' }]] });
  });

  it('returns no tables for a page without any', () => {
    expect(decodeText('html', '<p>Nothing to see</p>', 'text/html')).toEqual({ tables: [] });
    expect(decodeText('html', 'plain text, not even HTML', 'text/plain')).toEqual({ tables: [] });
  });

  it('rejects an invalid CSS selector when the decoder is built', () => {
    const err = errorOf(() => createDecoder('html', { outputSchema: 'table[' }));
    expect(err.code).toBe('SPEC_INVALID');
    expect(err.message).toContain('table[');
  });
});
