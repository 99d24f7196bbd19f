/** Shared bits of the end-to-end tests: the seed's names and a small HTTP client over fetch. */
import nodeHttp from 'node:http';
import path from 'node:path';
import { expect } from 'vitest';
import { REPO_ROOT } from '../helpers/run-capability.js';

export const SEED = path.join(REPO_ROOT, 'specs', 'crm-crm-integration.yaml');
export const CONSUMES_NS = 'crm-crm-integration';
export const REST_NS = 'crm-crm-integration-rest';
export const MCP_NS = 'crm-crm-integration-mcp';
export const RESOURCE = '/v1/crm/integrations';

export interface HttpResult {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The body parsed as JSON; undefined when it is not JSON. */
  readonly json: unknown;
}

/** One request; resolves with the whole response (status, headers, raw text, parsed JSON). */
export async function http(
  base: string,
  method: string,
  urlPath: string,
  init: { body?: string; headers?: Record<string, string> } = {},
): Promise<HttpResult> {
  const response = await fetch(new URL(urlPath, base), {
    method,
    ...(init.body !== undefined ? { body: init.body } : {}),
    headers: init.headers ?? {},
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** A JSON request (content-type application/json). */
export function jsonRequest(
  base: string,
  method: string,
  urlPath: string,
  body: unknown,
): Promise<HttpResult> {
  return http(base, method, urlPath, {
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
}

/** The problem+json body of a response, asserting its content type. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  errors?: { name: string; in?: string; message: string }[];
}

/** Asserts an RFC 9457 problem response with this status and code, and returns its body. */
export function expectProblem(res: HttpResult, status: number, code: string): Problem {
  expect({ status: res.status, code: (res.json as Problem | undefined)?.code }, res.text).toEqual({
    status,
    code,
  });
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json\b/);
  const problem = res.json as Problem;
  expect(problem).toMatchObject({
    status,
    code,
    type: expect.any(String),
    title: expect.any(String),
    detail: expect.any(String),
  });
  return problem;
}

/**
 * One request over a fresh connection that is closed after the response (node:http without an
 * agent sends `Connection: close`): for tests that must not hold a keep-alive connection.
 */
export function httpOnce(base: string, method: string, urlPath: string): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const request = nodeHttp.request(
      new URL(urlPath, base),
      { method, agent: false, timeout: 10_000 },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('error', reject);
        response.on('end', () => {
          const headers = new Headers();
          for (const [name, value] of Object.entries(response.headers)) {
            if (value !== undefined)
              headers.set(name, Array.isArray(value) ? value.join(', ') : value);
          }
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: response.statusCode ?? 0, headers, text, json });
        });
      },
    );
    request.on('timeout', () => request.destroy(new Error('request timed out')));
    request.on('error', reject);
    request.end();
  });
}
