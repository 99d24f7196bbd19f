/** outputRawFormat xml: the reference engine's tree shape (root dropped, attributes as keys). */

import { describe, expect, it } from 'vitest';
import { decodeText, errorOf } from './decode-helpers.js';

const xml = (text: string): unknown => decodeText('xml', text, 'application/xml');

describe('xml decoding', () => {
  it('drops the root element and turns repeated elements into arrays', () => {
    // The reference tutorial maps this upstream with `$.vessel`.
    const body = `<?xml version="1.0" encoding="UTF-8"?>
      <vessels>
        <vessel><vesselCode>V001</vesselCode><vesselName>Sea Eagle</vesselName></vessel>
        <vessel><vesselCode>V002</vesselCode><vesselName>Harbor Star</vesselName></vessel>
      </vessels>`;
    expect(xml(body)).toEqual({
      vessel: [
        { vesselCode: 'V001', vesselName: 'Sea Eagle' },
        { vesselCode: 'V002', vesselName: 'Harbor Star' },
      ],
    });
  });

  it('keeps a single element as an object and every value as a string', () => {
    expect(xml('<users><user><id>1</id><age>042</age><ok>true</ok></user></users>')).toEqual({
      user: { id: '1', age: '042', ok: 'true' },
    });
  });

  it('turns attributes into plain keys and puts text beside them under ""', () => {
    const body = '<order id="17"><total currency="EUR">12.50</total><note/></order>';
    expect(xml(body)).toEqual({ id: '17', total: { currency: 'EUR', '': '12.50' }, note: '' });
  });

  it('removes namespace prefixes and declarations', () => {
    const body = `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
      <soap:Body><m:Price xmlns:m="urn:stock"><m:Value>34.5</m:Value></m:Price></soap:Body>
    </soap:Envelope>`;
    expect(xml(body)).toEqual({ Body: { Price: { Value: '34.5' } } });
  });

  it('reads an RSS feed with CDATA and entities', () => {
    const body = `<rss version="2.0"><channel><title>News &amp; Views</title>
      <item><title><![CDATA[A <b>bold</b> move]]></title><link>https://x.test/1</link></item>
      <item><title>Caf&#233; &#x41;</title><link>https://x.test/2</link></item>
    </channel></rss>`;
    expect(xml(body)).toEqual({
      version: '2.0',
      channel: {
        title: 'News & Views',
        item: [
          { title: 'A <b>bold</b> move', link: 'https://x.test/1' },
          { title: 'Café A', link: 'https://x.test/2' },
        ],
      },
    });
  });

  it('keeps both values when an attribute and a child share a name', () => {
    expect(xml('<r><a id="1"><id>2</id></a></r>')).toEqual({
      a: { id: expect.arrayContaining(['1', '2']) },
    });
  });

  it('trims indentation and keeps the word breaks of mixed content', () => {
    const body = '<r>\n  <p>Hello <b>big</b> world</p>\n  <q>\n    padded\n  </q>\n</r>';
    expect(xml(body)).toEqual({
      p: { b: 'big', '': expect.stringMatching(/^Hello\s+world$/) },
      q: 'padded',
    });
  });

  it('gives a text-only root its text', () => {
    expect(xml('<count>5</count>')).toBe('5');
  });

  it('rejects malformed XML with its position', () => {
    const err = errorOf(() => xml('<a><b></a>'));
    expect(err.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(err.message).toMatch(/not valid xml: .*line 1/);
  });

  it('rejects text that is not XML, and several root elements', () => {
    expect(errorOf(() => xml('hello')).code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(errorOf(() => xml('<a/><b/>')).message).toMatch(/one root element/);
    expect(errorOf(() => xml('<a/><a/>')).message).toMatch(/one root element/);
  });
});
