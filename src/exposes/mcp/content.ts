/**
 * Rich MCP tool results from the engine dialect's `content:` key (issue 13, "Binary and rich
 * content"). A top-level output parameter of an MCP tool may say what content block it is:
 *
 * - `text`: its value as text (a string as it is, anything else as JSON);
 * - `image` / `audio`: its value is base64 data, sent with the parameter's `mimeType`;
 * - `resource`: an embedded resource at the parameter's `uri`, with its `mimeType` (default
 *   `text/plain`): the value is its `text` when that type is textual, else base64 `blob` data;
 * - `resource_link`: a link to the resource whose URI is the value (or the parameter's `uri`),
 *   named by the parameter's `name` (mock and orchestrated outputs), else by the URI. (alpha2
 *   output parameters have no `label` or `description` a link could also take.)
 *
 * The values are the outputs as the invocation computes them today (`value:` templates, `mapping:`
 * JSONPath). Tagged parameters become blocks in declaration order, after the JSON text block (and
 * `structuredContent`) that the untagged parameters still give, if there are any. Every text
 * passes the runtime's redactor; data that is not base64, or that holds a bound secret, makes
 * the result an `isError` naming the output. A tool without a tagged output has no plan and
 * keeps the plain mapping of tool-result.ts.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { InvocationResult } from '../../engine/invocation.js';
import { parseJsonLossless, stringifyJson } from '../../lossless-json.js';
import type { McpContentKind, OutputParameter } from '../../spec/types.js';
import { isTextMimeType } from './resources.js';

type Redact = (text: string) => string;
type Block = CallToolResult['content'][number];

/** Default MIME type of an embedded `resource` without `mimeType`. */
export const DEFAULT_RESOURCE_MIME = 'text/plain';

/** One content-tagged output parameter, compiled at load. */
interface Slot {
  readonly kind: McpContentKind;
  /** Where the invocation value holds it: a field name, an index, or the value itself. */
  readonly key: string | number | undefined;
  /** How an error names it: `tool photo: output data (content: image)`. */
  readonly where: string;
  readonly mimeType?: string;
  readonly uri?: string;
  /** resource_link: the link's name, when the parameter has one. */
  readonly linkName?: string;
}

/** How the untagged outputs form today's JSON value (compileOutputs' three shapes). */
interface Rest {
  readonly keys: readonly (string | number | undefined)[];
  readonly names: readonly (string | undefined)[];
}

/** The content blocks a tool's outputs give; undefined when none is tagged. */
export interface ContentPlan {
  readonly tool: string;
  readonly slots: readonly Slot[];
  /** Untagged outputs, undefined when every output is tagged. */
  readonly rest?: Rest;
}

/**
 * The plan of a tool's top-level outputs, or undefined when none has `content:` (the tool then
 * answers exactly as before).
 */
export function compileContent(
  tool: string,
  outputs: readonly OutputParameter[] | undefined,
): ContentPlan | undefined {
  if (outputs === undefined || !outputs.some((o) => o.content !== undefined)) return undefined;
  const names = outputs.map((o) => ('name' in o ? o.name : undefined));
  // The invocation value, as output-mapping.ts shapes it: one unnamed output is the value; all
  // named, an object by name; otherwise a list by position.
  const whole = outputs.length === 1 && names[0] === undefined;
  const byName = names.every((n) => n !== undefined);
  const keyOf = (i: number): string | number | undefined =>
    whole ? undefined : byName ? (names[i] as string) : i;
  const slots: Slot[] = [];
  const restKeys: (string | number | undefined)[] = [];
  const restNames: (string | undefined)[] = [];
  outputs.forEach((output, i) => {
    const kind = output.content;
    if (kind === undefined) {
      restKeys.push(keyOf(i));
      restNames.push(names[i]);
      return;
    }
    const name = names[i];
    slots.push({
      kind,
      key: keyOf(i),
      where: `tool ${tool}: output ${name ?? `#${i}`} (content: ${kind})`,
      ...(output.mimeType !== undefined ? { mimeType: output.mimeType } : {}),
      ...(output.uri !== undefined ? { uri: output.uri } : {}),
      ...(name !== undefined ? { linkName: name } : {}),
    });
  });
  return {
    tool,
    slots,
    ...(restKeys.length > 0 ? { rest: { keys: restKeys, names: restNames } } : {}),
  };
}

/** A refusal of one output's value: the whole result becomes an `isError`. */
class ContentError extends Error {}

/**
 * The result of a successful invocation of a tool with a plan (`kind: 'upstream'` here is an
 * identity output passed through as bytes: its body is the one output's value).
 */
export function contentResult(
  plan: ContentPlan,
  result: InvocationResult,
  redact: Redact,
  jsonText: (text: string) => CallToolResult,
): CallToolResult {
  const value = result.kind === 'value' ? result.value : bodyValue(result.response.raw);
  const content: Block[] = [];
  let structured: Record<string, unknown> | undefined;
  if (plan.rest !== undefined) {
    const head = jsonText(stringifyJson(restValue(plan.rest, value) ?? null));
    content.push(...head.content);
    structured = head.structuredContent;
  }
  try {
    for (const slot of plan.slots) content.push(block(slot, pick(value, slot.key), redact));
  } catch (err) {
    if (!(err instanceof ContentError)) throw err;
    return { isError: true, content: [{ type: 'text', text: redact(err.message) }] };
  }
  return structured !== undefined ? { content, structuredContent: structured } : { content };
}

function bodyValue(raw: Buffer): unknown {
  const text = raw.toString('utf8');
  try {
    return parseJsonLossless(text);
  } catch {
    return text;
  }
}

function pick(value: unknown, key: string | number | undefined): unknown {
  if (key === undefined) return value;
  if (value === null || typeof value !== 'object') return undefined;
  return (value as Record<string | number, unknown>)[key];
}

/** The untagged outputs as today's mapping would shape them alone. */
function restValue(rest: Rest, value: unknown): unknown {
  const values = rest.keys.map((k) => pick(value, k));
  if (values.length === 1 && rest.names[0] === undefined) return values[0];
  if (rest.names.every((n) => n !== undefined)) {
    return Object.fromEntries(values.map((v, i) => [rest.names[i] as string, v]));
  }
  return values;
}

function block(slot: Slot, value: unknown, redact: Redact): Block {
  switch (slot.kind) {
    case 'text':
      return { type: 'text', text: redact(asText(value)) };
    case 'image':
    case 'audio':
      return {
        type: slot.kind,
        data: base64(slot, value, redact),
        mimeType: slot.mimeType as string,
      };
    case 'resource': {
      const uri = redact(slot.uri as string);
      const mimeType = slot.mimeType ?? DEFAULT_RESOURCE_MIME;
      return {
        type: 'resource',
        resource: isTextMimeType(mimeType)
          ? { uri, mimeType, text: redact(asText(value)) }
          : { uri, mimeType, blob: base64(slot, value, redact) },
      };
    }
    case 'resource_link': {
      const target = slot.uri ?? value;
      if (typeof target !== 'string' || target === '') {
        throw new ContentError(`${slot.where}: a resource link needs a URI, got ${shown(target)}`);
      }
      const uri = redact(target);
      return {
        type: 'resource_link',
        uri,
        name: slot.linkName !== undefined ? redact(slot.linkName) : uri,
        ...(slot.mimeType !== undefined ? { mimeType: slot.mimeType } : {}),
      };
    }
  }
}

function asText(value: unknown): string {
  return typeof value === 'string' ? value : stringifyJson(value ?? null);
}

/** Standard base64 (RFC 4648 §4), padded; whitespace (folded YAML) is dropped. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const WHITESPACE = /[\t\n\r ]/;
const ALL_WHITESPACE = /[\t\n\r ]/g;

function base64(slot: Slot, value: unknown, redact: Redact): string {
  if (typeof value !== 'string' || value === '') {
    throw new ContentError(`${slot.where}: expected base64 data, got ${shown(value)}`);
  }
  const data = WHITESPACE.test(value) ? value.replace(ALL_WHITESPACE, '') : value;
  if (redact(data) !== data) {
    throw new ContentError(`${slot.where}: the data holds a bound secret value; not sent`);
  }
  if (data === '' || !BASE64.test(data)) {
    throw new ContentError(`${slot.where}: the value is not base64 data`);
  }
  return data;
}

function shown(value: unknown): string {
  if (value === undefined || value === null) return 'no value';
  return `a value of type ${Array.isArray(value) ? 'array' : typeof value}`;
}
