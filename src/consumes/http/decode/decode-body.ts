/**
 * Turns an upstream response body into a JSON value per the consumed operation's
 * `outputRawFormat` (contract §5): json (the default), xml, yaml, csv, tsv, psv, html, markdown,
 * avro and protobuf. Labels are matched case-insensitively, as the reference engine does.
 *
 * `createDecoder` does the per-operation work once (loading avro/protobuf schema files, checking
 * an html selector) and is meant to be called when the capability is loaded; `decodeBody` is the
 * one-shot form and caches the decoders it builds. An empty body decodes to `null` whatever the
 * format (a whitespace-only one too, for the text formats). A body that cannot be read in its
 * format is UPSTREAM_BAD_RESPONSE; a missing or unusable outputSchema is SPEC_INVALID.
 */

import { NaftikoError } from '../../../errors.js';
import type { OutputRawFormat } from '../../../spec/types.js';
import { bodyToText, mediaTypeOf } from './body-text.js';
import { createAvroDecoder } from './decode-avro.js';
import { decodeDelimited } from './decode-delimited.js';
import { checkHtmlSelector, decodeHtml } from './decode-html.js';
import { decodeJson } from './decode-json.js';
import { decodeMarkdown } from './decode-markdown.js';
import { createProtobufDecoder } from './decode-protobuf.js';
import { decodeXml } from './decode-xml.js';
import { decodeYaml } from './decode-yaml.js';

export interface DecodeOptions {
  /**
   * The operation's `outputSchema`: the schema file for avro (.avsc) and protobuf (.proto,
   * optionally `#pkg.Message`), a CSS selector for html, a heading prefix for markdown.
   */
  outputSchema?: string;
  /** The capability document's folder, against which a relative schema file is resolved. */
  baseDir?: string;
}

/** Decodes one response body: the body bytes and the response's Content-Type header. */
export type Decoder = (body: Buffer, contentType: string | undefined) => unknown;

type TextDecoderFn = (text: string, mediaType: string | undefined) => unknown;

function textFormat(format: string, schema: string | undefined): TextDecoderFn | undefined {
  switch (format) {
    case 'json':
      return decodeJson;
    case 'xml':
      return decodeXml;
    case 'yaml':
      return decodeYaml;
    case 'csv':
    case 'tsv':
    case 'psv':
      return (text) => decodeDelimited(format, text);
    case 'html':
      checkHtmlSelector(schema);
      return (text) => decodeHtml(text, schema);
    case 'markdown':
      return (text) => decodeMarkdown(text, schema);
    default:
      return undefined;
  }
}

function binaryFormat(
  format: string,
  options: DecodeOptions,
): ((body: Buffer) => unknown) | undefined {
  if (format === 'avro') return createAvroDecoder(options.outputSchema, options.baseDir);
  if (format === 'protobuf') return createProtobufDecoder(options.outputSchema, options.baseDir);
  return undefined;
}

/** Builds the decoder of one operation; throws SPEC_INVALID/NOT_IMPLEMENTED for bad settings. */
export function createDecoder(
  format: OutputRawFormat | undefined,
  options: DecodeOptions = {},
): Decoder {
  const label = (format ?? 'json').toLowerCase();
  const text = textFormat(label, options.outputSchema);
  if (text !== undefined) {
    return (body, contentType) => {
      if (body.length === 0) return null;
      const decoded = bodyToText(body, contentType);
      return decoded.trim() === '' ? null : text(decoded, mediaTypeOf(contentType));
    };
  }
  const binary = binaryFormat(label, options);
  if (binary !== undefined) return (body) => (body.length === 0 ? null : binary(body));
  throw new NaftikoError('NOT_IMPLEMENTED', `outputRawFormat "${format}" is not supported`);
}

const cache = new Map<string, Decoder>();

/** Decodes `body` in `format` (json when undefined); see the file header. */
export function decodeBody(
  format: OutputRawFormat | undefined,
  body: Buffer,
  contentType: string | undefined,
  options: DecodeOptions = {},
): unknown {
  if (body.length === 0) return null;
  const key = JSON.stringify([format ?? 'json', options.outputSchema, options.baseDir]);
  let decoder = cache.get(key);
  if (decoder === undefined) {
    decoder = createDecoder(format, options);
    cache.set(key, decoder);
  }
  return decoder(body, contentType);
}
