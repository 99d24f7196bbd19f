/**
 * The request body of a consumed operation (contract §5), compiled once per operation.
 *
 * With an operation `body`, that is the body, and `in: body` parameters only feed its
 * placeholders (through the request lookup). Content types: a template string is
 * application/json when the rendered text parses as JSON, else text/plain; `json` is
 * application/json; `text` text/plain; `xml` application/xml; `sparql` application/sparql-query;
 * `formUrlEncoded` application/x-www-form-urlencoded; `multipartForm` multipart/form-data (undici
 * adds the boundary). Without an operation `body`: a lone `in: body` parameter named `body` is
 * the whole JSON body; otherwise the present `in: body` parameters are merged into one JSON
 * object by name; none present → no body. A `{type}` body without `data` behaves as no `body`.
 */
import type { FormData } from 'undici';
import { NaftikoError } from '../../errors.js';
import { compileTemplate, type Lookup } from '../../spec/template.js';
import type { RequestBody } from '../../spec/types.js';
import type { CompiledParameter } from './effective-parameters.js';
import { compileMultipartForm, compileUrlEncodedForm } from './form-body.js';
import { compileJsonData } from './json-body-data.js';
import { compileTextBody, parsesAsJson } from './text-body-template.js';

export interface OutgoingBody {
  readonly body: string | FormData;
  /** Undefined for multipart (undici sets it with the boundary). */
  readonly contentType: string | undefined;
}

/** Renders the body from the request lookup and the parameter values (same order as params). */
export type BodyRenderer = (lookup: Lookup, values: readonly unknown[]) => OutgoingBody | undefined;

const JSON_TYPE = 'application/json';
const TEXT_TYPE = 'text/plain; charset=utf-8';
const TEXT_TYPES = { text: TEXT_TYPE, xml: 'application/xml', sparql: 'application/sparql-query' };

export function compileBody(
  spec: RequestBody | undefined,
  params: readonly CompiledParameter[],
): BodyRenderer {
  // A `{type}` without `data` (frequent in generated files) is fed by the body parameters.
  if (spec === undefined || (typeof spec === 'object' && spec.data === undefined)) {
    return compileParameterBody(params);
  }
  if (typeof spec === 'string') {
    const template = compileTextBody(spec);
    return (lookup) => {
      const body = template.render(lookup);
      return { body, contentType: parsesAsJson(body) ? JSON_TYPE : TEXT_TYPE };
    };
  }
  switch (spec.type) {
    case 'json': {
      if (typeof spec.data === 'string') {
        const template = compileTextBody(spec.data);
        return (lookup) => ({ body: template.render(lookup), contentType: JSON_TYPE });
      }
      const data = compileJsonData(spec.data);
      return (lookup) => ({ body: JSON.stringify(data(lookup)), contentType: JSON_TYPE });
    }
    case 'text':
    case 'xml':
    case 'sparql': {
      const template = compileTemplate(spec.data);
      const contentType = TEXT_TYPES[spec.type];
      return (lookup) => ({ body: template.render(lookup).text, contentType });
    }
    case 'formUrlEncoded': {
      const form = compileUrlEncodedForm(spec.data);
      return (lookup) => ({
        body: form(lookup),
        contentType: 'application/x-www-form-urlencoded',
      });
    }
    case 'multipartForm': {
      const form = compileMultipartForm(spec.data);
      return (lookup) => ({ body: form(lookup), contentType: undefined });
    }
    default: {
      const type = String((spec as { type?: unknown }).type);
      return () => {
        throw new NaftikoError('NOT_IMPLEMENTED', `request body type "${type}" is not supported`);
      };
    }
  }
}

function compileParameterBody(params: readonly CompiledParameter[]): BodyRenderer {
  const indexes = params.flatMap(({ spec }, i) => (spec.in === 'body' ? [i] : []));
  if (indexes.length === 0) return () => undefined;
  const only = indexes.length === 1 ? indexes[0] : undefined;
  if (only !== undefined && params[only]?.spec.name === 'body') {
    return (_lookup, values) => {
      const value = values[only];
      return value === undefined
        ? undefined
        : { body: JSON.stringify(value), contentType: JSON_TYPE };
    };
  }
  return (_lookup, values) => {
    const merged: Record<string, unknown> = {};
    let present = false;
    for (const i of indexes) {
      const value = values[i];
      const name = params[i]?.spec.name;
      if (value === undefined || name === undefined) continue;
      merged[name] = value;
      present = true;
    }
    return present ? { body: JSON.stringify(merged), contentType: JSON_TYPE } : undefined;
  };
}
