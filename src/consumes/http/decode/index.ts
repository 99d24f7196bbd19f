/** Upstream body decoding: every outputRawFormat to a JSON value (see decode-body.ts). */

export {
  createDecoder,
  decodeBody,
  loadDecoders,
  type DecodeOptions,
  type Decoder,
} from './decode-body.js';
export type { MarkdownDocument, MarkdownSection } from './decode-markdown.js';
export type { TableRow } from './table-rows.js';
