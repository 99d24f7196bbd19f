/**
 * The one MCP wire mapping of what a tool call produced (contract §8): a value or an upstream
 * success becomes a text content with the JSON (and `structuredContent` for an object); an
 * upstream success whose content type is `image/*` or `audio/*` becomes an `image` or `audio`
 * content (base64 bytes, with the MIME type) instead of text; an upstream status >= 400 or an
 * engine error becomes an `isError: true` result. Every text passes through the runtime's
 * redactor, so a bound secret never reaches an MCP client. A tool whose outputs declare content
 * kinds (engine dialect `content:`) maps its successes through its plan (content.ts).
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { InvocationResult } from '../../engine/invocation.js';
import {
  bigIntsAsStrings,
  mayHoldBigIntegers,
  parseJsonLossless,
  stringifyJson,
} from '../../lossless-json.js';
import { problemFor } from '../problem.js';
import { contentResult } from './content.js';
import type { ContentPlan } from './content.js';

type Redact = (text: string) => string;

/** How much of an upstream error body an `isError` result quotes. */
export const MAX_ERROR_BODY_CHARS = 2000;

export function toolResult(
  result: InvocationResult,
  redact: Redact,
  content?: ContentPlan,
): CallToolResult {
  if (content !== undefined && (result.kind === 'value' || result.response.status < 400)) {
    return contentResult(content, result, redact, (text) => textResult(text, redact));
  }
  if (result.kind === 'value') return textResult(stringifyJson(result.value ?? null), redact);
  const { status, raw } = result.response;
  if (status < 400) {
    const media = binaryMedia(
      result.response.contentType ?? result.response.headers['content-type'],
    );
    if (media !== undefined) {
      return {
        content: [{ type: media.kind, data: raw.toString('base64'), mimeType: media.mimeType }],
      };
    }
  }
  const text = raw.toString('utf8');
  if (status < 400) return textResult(text, redact);
  return errorResult(`upstream answered ${status}: ${truncate(redact(text))}`);
}

/**
 * `image/*` and `audio/*` content types (without parameters, lower case): bytes an MCP client
 * shows as such, never text. Undefined for anything else.
 */
export function binaryMedia(
  contentType: string | undefined,
): { kind: 'image' | 'audio'; mimeType: string } | undefined {
  const mimeType = contentType?.split(';')[0]?.trim().toLowerCase();
  if (mimeType === undefined) return undefined;
  if (/^image\/[\w.+-]+$/.test(mimeType) && mimeType !== 'image/svg+xml') {
    return { kind: 'image', mimeType };
  }
  if (/^audio\/[\w.+-]+$/.test(mimeType)) return { kind: 'audio', mimeType };
  return undefined;
}

/** An engine error (invalid inputs, timeouts, unreachable upstream...) as `code: message`. */
export function toolErrorResult(err: unknown, redact: Redact): CallToolResult {
  const problem = problemFor(err, redact);
  return errorResult(`${problem.code}: ${problem.detail}`);
}

function errorResult(text: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text }] };
}

/** Text as it goes out (redacted); `structuredContent` when that text is a JSON object. */
function textResult(text: string, redact: Redact): CallToolResult {
  const clean = redact(text);
  const structured = jsonObject(clean);
  return {
    content: [{ type: 'text', text: clean }],
    ...(structured !== undefined ? { structuredContent: structured } : {}),
  };
}

function jsonObject(text: string): Record<string, unknown> | undefined {
  // Cheap pre-check: only a text that starts like an object can parse to one.
  if (!text.trimStart().startsWith('{')) return undefined;
  try {
    // The text keeps int64 values as digits; structuredContent is written by the SDK with
    // JSON.stringify, which cannot print a bigint, so there they are exact decimal strings
    // (a rounded number would be silently wrong).
    const value: unknown = mayHoldBigIntegers(text)
      ? bigIntsAsStrings(parseJsonLossless(text))
      : JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Redact before truncating: a cut could otherwise leave half a secret unrecognised. */
function truncate(text: string): string {
  return text.length > MAX_ERROR_BODY_CHARS ? `${text.slice(0, MAX_ERROR_BODY_CHARS)}…` : text;
}
