/**
 * outputRawFormat `yaml`: the body parsed as YAML with the core schema (YAML 1.2 scalars: no
 * timestamps, no `yes`/`no` booleans), so every value is a plain JSON value.
 *
 * A stream of several documents becomes an array of them (the reference engine keeps only the
 * first; dropping data silently is worse). Duplicate keys keep the last value, as JSON parsers do.
 */

import yaml from 'js-yaml';
import { badResponse, problemOf } from './bad-response.js';

/** A YAML error's reason and 1-based position, without the source excerpt js-yaml appends. */
export function yamlProblem(err: unknown): string {
  if (err instanceof yaml.YAMLException) {
    const { reason, mark } = err;
    return mark ? `${reason} at line ${mark.line + 1}, column ${mark.column + 1}` : reason;
  }
  return problemOf(err);
}

/** Parses YAML text with the core schema; throws js-yaml's error unchanged. */
export function parseYaml(text: string): unknown[] {
  return yaml.loadAll(text, undefined, { schema: yaml.CORE_SCHEMA, json: true });
}

/** Parses `text` as YAML; one document is its value, several an array, none `null`. */
export function decodeYaml(text: string): unknown {
  let documents: unknown[];
  try {
    documents = parseYaml(text);
  } catch (err) {
    throw badResponse('yaml', yamlProblem(err));
  }
  if (documents.length === 0) return null;
  return documents.length === 1 ? documents[0] : documents;
}
