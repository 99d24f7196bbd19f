/**
 * Form bodies (contract §5), compiled once.
 *
 * - `formUrlEncoded` with object data: each field is a template; a field with a name that has no
 *   value is left out; an array repeats the field; encoded by URLSearchParams
 *   (application/x-www-form-urlencoded). With string data: the template is sent as written and
 *   each substituted value is percent-encoded, so a value cannot add fields.
 * - `multipartForm`: one part per entry; a part with a `filename` is a file part with its
 *   `contentType` (default application/octet-stream). Parts whose value has an unresolved name
 *   are left out. undici writes the boundary and the Content-Type.
 */
import type { FormData } from 'undici';
import { newFormData } from './undici-parts.js';
import { compileTemplate, stringify, type Lookup } from '../../spec/template.js';
import type { RequestBodyMultipartFormPart } from '../../spec/types.js';
import { encodeComponent } from './encode-component.js';
import { compileValue } from './value-template.js';

export type FormRenderer<T> = (lookup: Lookup) => T;

export function compileUrlEncodedForm(data: string | Record<string, string>): FormRenderer<string> {
  if (typeof data === 'string') {
    const template = compileTemplate(data);
    return (lookup) => template.render(lookup, encodeComponent).text;
  }
  const fields = Object.entries(data).map(
    ([name, value]) => [name, compileValue(String(value))] as const,
  );
  return (lookup) => {
    const form = new URLSearchParams();
    for (const [name, template] of fields) {
      const { value } = template.resolve(lookup);
      if (value === undefined) continue;
      for (const item of Array.isArray(value) ? value : [value]) {
        if (item !== undefined && item !== null) form.append(name, stringify(item));
      }
    }
    return form.toString();
  };
}

export function compileMultipartForm(
  parts: readonly RequestBodyMultipartFormPart[],
): FormRenderer<FormData> {
  const compiled = parts.map((part) => ({
    name: part.name,
    value: compileValue(String(part.value)),
    filename: part.filename === undefined ? undefined : compileValue(part.filename),
    type: part.contentType ?? 'application/octet-stream',
  }));
  return (lookup) => {
    const form = newFormData();
    for (const part of compiled) {
      const { value } = part.value.resolve(lookup);
      if (value === undefined) continue;
      const text = stringify(value);
      if (part.filename === undefined) {
        form.append(part.name, text);
      } else {
        const filename = part.filename.resolve(lookup).value;
        const name = filename === undefined ? part.name : stringify(filename);
        form.append(part.name, new Blob([text], { type: part.type }), name);
      }
    }
    return form;
  };
}
