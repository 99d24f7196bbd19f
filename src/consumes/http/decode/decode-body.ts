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
import { decodeJson } from './decode-json.js';

export interface DecodeOptions {
  /**
   * The operation's `outputSchema`: the schema file for avro (.avsc) and protobuf (.proto,
   * optionally `#pkg.Message`), a CSS selector for html, a heading prefix for markdown.
   */
  outputSchema?: string;
  /** The capability document's folder, against which a relative schema file is resolved. */
  baseDir?: string;
  /** json: integers beyond 2^53 become bigints, not rounded doubles (see lossless-json.ts). */
  losslessIntegers?: boolean;
}

/**
 * Decodes one response body: the body bytes and the response's Content-Type header. The result
 * is a promise only on the first call of a format whose parser was not loaded (see LOADERS).
 */
export type Decoder = (body: Buffer, contentType: string | undefined) => unknown;

type TextDecoderFn = (text: string, mediaType: string | undefined) => unknown;
type BinaryDecoderFn = (body: Buffer) => unknown;
type Builder =
  | { text: (options: DecodeOptions) => TextDecoderFn }
  | { binary: (options: DecodeOptions) => BinaryDecoderFn };

/**
 * Every format but json pulls in a parser library (cheerio alone takes ~150 ms to import), so
 * each is loaded on first use: a capability that only speaks JSON starts without any of them.
 */
const LOADERS: Record<string, () => Promise<Builder>> = {
  xml: async () => {
    const { decodeXml } = await import('./decode-xml.js');
    return { text: () => decodeXml };
  },
  yaml: async () => {
    const { decodeYaml } = await import('./decode-yaml.js');
    return { text: () => decodeYaml };
  },
  csv: delimited('csv'),
  tsv: delimited('tsv'),
  psv: delimited('psv'),
  html: async () => {
    const { checkHtmlSelector, decodeHtml } = await import('./decode-html.js');
    return {
      text: ({ outputSchema }) => {
        checkHtmlSelector(outputSchema);
        return (text) => decodeHtml(text, outputSchema);
      },
    };
  },
  markdown: async () => {
    const { decodeMarkdown } = await import('./decode-markdown.js');
    return {
      text:
        ({ outputSchema }) =>
        (text) =>
          decodeMarkdown(text, outputSchema),
    };
  },
  avro: async () => {
    const { createAvroDecoder } = await import('./decode-avro.js');
    return { binary: ({ outputSchema, baseDir }) => createAvroDecoder(outputSchema, baseDir) };
  },
  protobuf: async () => {
    const { createProtobufDecoder } = await import('./decode-protobuf.js');
    return { binary: ({ outputSchema, baseDir }) => createProtobufDecoder(outputSchema, baseDir) };
  },
};

function delimited(format: 'csv' | 'tsv' | 'psv'): () => Promise<Builder> {
  return async () => {
    const { decodeDelimited } = await import('./decode-delimited.js');
    return { text: () => (text) => decodeDelimited(format, text) };
  };
}

const loaded = new Map<string, Builder>();

/** Loads the parsers of these formats now (createDecoder then builds their decoders at once). */
export async function loadDecoders(formats: Iterable<string | undefined>): Promise<void> {
  for (const format of formats) {
    const label = (format ?? 'json').toLowerCase();
    const loader = LOADERS[label];
    if (loader !== undefined && !loaded.has(label)) loaded.set(label, await loader());
  }
}

function fromBuilder(builder: Builder, options: DecodeOptions): Decoder {
  if ('binary' in builder) {
    const binary = builder.binary(options);
    return (body) => (body.length === 0 ? null : binary(body));
  }
  return textDecoder(builder.text(options));
}

function textDecoder(text: TextDecoderFn): Decoder {
  return (body, contentType) => {
    if (body.length === 0) return null;
    const decoded = bodyToText(body, contentType);
    return decoded.trim() === '' ? null : text(decoded, mediaTypeOf(contentType));
  };
}

/**
 * Builds the decoder of one operation; throws SPEC_INVALID/NOT_IMPLEMENTED for bad settings.
 * For a format whose parser is not loaded yet, the decoder loads it on its first call and
 * returns a promise then (settings are checked at that point).
 */
export function createDecoder(
  format: OutputRawFormat | undefined,
  options: DecodeOptions = {},
): Decoder {
  const label = (format ?? 'json').toLowerCase();
  if (label === 'json') {
    return options.losslessIntegers
      ? textDecoder((text, mediaType) => decodeJson(text, mediaType, true))
      : textDecoder(decodeJson);
  }
  const ready = loaded.get(label);
  if (ready !== undefined) return fromBuilder(ready, options);
  if (LOADERS[label] === undefined) {
    throw new NaftikoError('NOT_IMPLEMENTED', `outputRawFormat "${format}" is not supported`);
  }
  let decoder: Decoder | undefined;
  return (body, contentType) => {
    if (decoder !== undefined) return decoder(body, contentType);
    return loadDecoders([label]).then(() => {
      decoder ??= fromBuilder(loaded.get(label) as Builder, options);
      return decoder(body, contentType);
    });
  };
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
  const key = JSON.stringify([
    format ?? 'json',
    options.outputSchema,
    options.baseDir,
    options.losslessIntegers === true,
  ]);
  let decoder = cache.get(key);
  if (decoder === undefined) {
    decoder = createDecoder(format, options);
    cache.set(key, decoder);
  }
  return decoder(body, contentType);
}
