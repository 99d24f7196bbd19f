/**
 * A raw-HTTP MCP client for the transport tests (issue 13): requests over node:http with full
 * control of the headers, SSE streams whose `data:` frames are collected as they come, and the
 * builders of 2026-07-28 (`_meta` envelope, `Mcp-Method`/`Mcp-Name`) and 2025-11-25
 * (`initialize`) requests. No SDK in between, so the tests see exactly what the engine answers.
 */
import { request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';

/** A parsed JSON-RPC message, read by property in the assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

/** The stateless, enveloped revision ("modern"). */
export const VERSION = '2026-07-28';
/** The session revision ("legacy"). */
export const LEGACY_VERSION = '2025-11-25';

const ACCEPT = 'application/json, text/event-stream';

/** A whole answer, its body read to the end. */
export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: () => Json;
}

/**
 * One request with any method; a body (a string as is, anything else as JSON) comes with
 * `content-type: application/json`. The caller's headers win over the defaults.
 */
export function send(
  url: string,
  method: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method,
        headers: {
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          accept: ACCEPT,
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: text,
            json: () => JSON.parse(text) as Json,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(
      body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    );
  });
}

/** A POST with full control of the headers (Host included). */
export function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  return send(url, 'POST', body, headers);
}

/** An open POST (or GET) whose SSE frames are collected as they come. */
export interface Stream {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly headers: IncomingMessage['headers'];
  readonly messages: Json[];
  readonly raw: () => string;
  readonly ended: Promise<void>;
  close(): void;
}

export function open(
  url: string,
  method: 'POST' | 'GET',
  body: unknown,
  headers: Record<string, string>,
): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, {
      method,
      headers: {
        ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
        accept: ACCEPT,
        ...headers,
      },
    });
    req.on('response', (res) => {
      const messages: Json[] = [];
      let text = '';
      let pending = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        pending += chunk;
        let cut: number;
        while ((cut = pending.indexOf('\n\n')) >= 0) {
          const frame = pending.slice(0, cut);
          pending = pending.slice(cut + 2);
          const data = frame
            .split('\n')
            .filter((l) => l.startsWith('data: '))
            .map((l) => l.slice(6))
            .join('\n');
          if (data !== '') messages.push(JSON.parse(data) as Json);
        }
      });
      const ended = new Promise<void>((done) => {
        res.on('end', () => done());
        res.on('close', () => done());
      });
      resolve({
        status: res.statusCode ?? 0,
        contentType: res.headers['content-type'],
        headers: res.headers,
        messages,
        raw: () => text,
        ended,
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** The `_meta` entry naming the client, for envelopes that carry one. */
export const CLIENT_INFO_META: Record<string, unknown> = {
  'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '0' },
};

/** A 2026-07-28 `_meta` envelope: version and client capabilities, then `extra`. */
export const envelope = (extra: Record<string, unknown> = {}) => ({
  'io.modelcontextprotocol/protocolVersion': VERSION,
  'io.modelcontextprotocol/clientCapabilities': {},
  ...extra,
});

/** The headers of a 2026-07-28 request (`Mcp-Name` when a name is given). */
export const modernHeaders = (method: string, name?: string): Record<string, string> => ({
  'mcp-protocol-version': VERSION,
  'mcp-method': method,
  ...(name !== undefined ? { 'mcp-name': name } : {}),
});

/**
 * A well-formed 2026-07-28 request and its headers: `_meta` is the envelope with `meta` in it
 * (the client's info unless told otherwise), `Mcp-Name` the tool, prompt or resource named.
 */
export function modern(
  method: string,
  params: Record<string, unknown> = {},
  id: number | string = 7,
  meta: Record<string, unknown> = CLIENT_INFO_META,
) {
  const name =
    method === 'tools/call' || method === 'prompts/get'
      ? params['name']
      : method === 'resources/read'
        ? params['uri']
        : undefined;
  return {
    body: { jsonrpc: '2.0', id, method, params: { ...params, _meta: envelope(meta) } },
    headers: modernHeaders(method, typeof name === 'string' ? name : undefined),
  };
}

/** A 2025-11-25-style `initialize` request offering `protocolVersion`. */
export function initializeMessage(
  id: number,
  protocolVersion: string = LEGACY_VERSION,
  clientName = 'raw',
) {
  return {
    jsonrpc: '2.0',
    id,
    method: 'initialize',
    params: {
      protocolVersion,
      capabilities: {},
      clientInfo: { name: clientName, version: '0' },
    },
  };
}

/** Opens a 2025-11-25 session: its id (undefined when stateless) and the whole answer. */
export async function initialize(
  url: string,
  clientName = 'raw',
): Promise<{ sid: string; answer: Answer }> {
  const answer = await send(url, 'POST', initializeMessage(0, LEGACY_VERSION, clientName));
  return { sid: answer.headers['mcp-session-id'] as string, answer };
}
