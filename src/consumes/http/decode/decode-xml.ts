/**
 * outputRawFormat `xml`: the document becomes the JSON value of its root element.
 *
 * Shapes follow the reference engine (Jackson's XmlMapper tree), which its own capabilities rely
 * on (`<vessels><vessel>…` is mapped with `$.vessel`):
 * - the root element's name is dropped: the result is what the root contains;
 * - child elements and attributes both become plain keys (namespace prefixes removed);
 * - an element with only text is a string (never converted to a number), an empty one is "";
 * - the text of an element that also has attributes or children sits under the key "";
 * - a repeated element becomes an array (a single one stays an object: XML cannot tell).
 * Numeric character references and the HTML named entities are decoded; entity expansion and
 * nesting depth are bounded by the parser.
 */

import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { badResponse, problemOf } from './bad-response.js';

const ATTRIBUTE_PREFIX = '@_';
const TEXT_KEY = '#text';

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: ATTRIBUTE_PREFIX,
  textNodeName: TEXT_KEY,
  parseTagValue: false,
  parseAttributeValue: false,
  removeNSPrefix: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // Kept untrimmed so that mixed content keeps its word breaks; reshape() trims instead.
  trimValues: false,
  // Numeric character references (&#233;) are only decoded with this switch on.
  htmlEntities: true,
  maxNestedTags: 256,
});

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function addValue(target: Record<string, unknown>, key: string, value: unknown): void {
  if (!(key in target)) {
    target[key] = value;
    return;
  }
  // An attribute and a child element with the same name: keep both values, in an array.
  const existing = target[key];
  const before = Array.isArray(existing) ? existing : [existing];
  target[key] = before.concat(value);
}

/**
 * Renames the parser's attribute and text keys to the reference shape, recursively. Element
 * text is trimmed (indentation is not data) and whitespace-only text between children dropped.
 */
function reshape(value: unknown): unknown {
  if (typeof value === 'string') return value.trim();
  if (Array.isArray(value)) return value.map(reshape);
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (key === TEXT_KEY) {
      const text = String(child).trim();
      if (text !== '') addValue(out, '', text);
    } else if (key.startsWith(ATTRIBUTE_PREFIX)) {
      addValue(out, key.slice(ATTRIBUTE_PREFIX.length), child);
    } else addValue(out, key, reshape(child));
  }
  return out;
}

/** Parses `text` as XML and returns its root element's value. */
export function decodeXml(text: string): unknown {
  const verdict = XMLValidator.validate(text);
  if (verdict !== true) {
    const { msg, line, col } = verdict.err;
    throw badResponse('xml', `${msg} (line ${line}, column ${col})`);
  }
  let document: unknown;
  try {
    document = parser.parse(text);
  } catch (err) {
    throw badResponse('xml', problemOf(err));
  }
  const roots = isRecord(document) ? Object.entries(document) : [];
  const [first] = roots;
  if (roots.length !== 1 || first === undefined || Array.isArray(first[1])) {
    throw badResponse('xml', 'a document must have exactly one root element');
  }
  return reshape(first[1]);
}
