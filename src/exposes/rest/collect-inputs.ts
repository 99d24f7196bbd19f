/**
 * A REST request's inputs (contract §4): path parameters, query parameters, declared header and
 * cookie parameters, declared body fields, and `body`, the whole parsed request body.
 *
 * A path parameter arrives percent-decoded. One that would climb out of its segment upstream —
 * `.` or `..` (`%2e%2e`), alone or as a segment of a value with an encoded `/` or `\`
 * (`..%2F..%2Fadmin`) — or that carries CR, LF or NUL is refused with 400 `INPUT_INVALID` before
 * anything is sent (issue 11). Other encoded slashes (`group%2Fproject`) stay one segment: the
 * value is percent-encoded again when it is placed in the upstream path.
 */
import type { FastifyRequest } from 'fastify';
import { NaftikoError } from '../../errors.js';
import type { InputSpec } from '../../engine/inputs.js';

export function collectInputs(
  request: FastifyRequest,
  params: ReadonlyMap<string, string>,
  specs: readonly InputSpec[],
): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  const query = request.query as Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(query ?? {})) inputs[key] = value;
  const routeParams = request.params as Record<string, string> | undefined;
  for (const [routeKey, name] of params) {
    const value = routeParams?.[routeKey];
    if (value === undefined) continue;
    const problem = badPathValue(value);
    if (problem !== undefined) {
      throw new NaftikoError('INPUT_INVALID', `path parameter ${name} ${problem}`, {
        details: { invalid: [name] },
      });
    }
    inputs[name] = value;
  }
  if (request.body !== undefined && request.body !== null) inputs.body = request.body;
  // A required input spelt differently from a path parameter (`orgId` for `{orgid}`,
  // `repo_slug` for `{repo-slug}`) takes its value: generators often write both forms.
  for (const spec of specs) {
    if (inputs[spec.name] !== undefined || !spec.required) continue;
    const key = loose(spec.name);
    for (const [routeKey, name] of params) {
      const value = routeParams?.[routeKey];
      if (value !== undefined && loose(name) === key) inputs[spec.name] = value;
    }
  }
  for (const spec of specs) {
    if (spec.in === 'header') {
      const value = request.headers[spec.name.toLowerCase()];
      if (value !== undefined) inputs[spec.name] = value;
    } else if (spec.in === 'cookie') {
      const value = cookies(request.headers.cookie).get(spec.name);
      if (value !== undefined) inputs[spec.name] = value;
    } else if (spec.in === 'body' && spec.name !== 'body') {
      const body = request.body;
      if (body !== null && typeof body === 'object' && spec.name in body) {
        inputs[spec.name] = (body as Record<string, unknown>)[spec.name];
      }
    }
  }
  return inputs;
}

/** Why a decoded path parameter value is refused, or undefined when it is fine. */
function badPathValue(value: string): string | undefined {
  if (/[\r\n\0]/.test(value)) return 'contains a line break or NUL';
  if (value.split(/[/\\]/).some((segment) => segment === '.' || segment === '..')) {
    return 'must not be or contain a dot segment (. or ..)';
  }
  return undefined;
}

function cookies(header: string | undefined): Map<string, string> {
  const found = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) found.set(part.slice(0, eq).trim(), safeDecode(part.slice(eq + 1).trim()));
  }
  return found;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function loose(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}
