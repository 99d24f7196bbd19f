/**
 * A templated value (parameter `value`, JSON body leaf, form field, multipart part), compiled once.
 *
 * A value that is exactly one placeholder (`"{{ids}}"`) resolves to the referenced value with its
 * own type, so an array stays an array (repeated query keys, JSON arrays in bodies). Anything
 * else renders to text. Names with no value are reported so that the caller can omit the value
 * instead of sending an unresolved placeholder upstream (contract §3).
 */
import { compileTemplate, type Lookup, type Template } from '../../spec/template.js';

export interface ResolvedValue {
  readonly value: unknown;
  /** Placeholder names that had no value; `value` is undefined when this is not empty. */
  readonly missing: readonly string[];
}

export interface ValueTemplate {
  readonly source: string;
  readonly names: readonly string[];
  resolve(lookup: Lookup): ResolvedValue;
}

const NONE: readonly string[] = [];

export function compileValue(source: string): ValueTemplate {
  const template = compileTemplate(source);
  if (template.isStatic) {
    return { source, names: NONE, resolve: () => ({ value: source, missing: NONE }) };
  }
  const whole = isWholePlaceholder(template) ? template.names[0] : undefined;
  return {
    source,
    names: template.names,
    resolve(lookup) {
      if (whole !== undefined) {
        const value = lookup(whole);
        return value === undefined || value === null
          ? { value: undefined, missing: [whole] }
          : { value, missing: NONE };
      }
      const { text, missing } = template.render(lookup);
      return missing.length > 0 ? { value: undefined, missing } : { value: text, missing: NONE };
    },
  };
}

/** True when the template is one placeholder and nothing else (not even spaces). */
function isWholePlaceholder(template: Template): boolean {
  return template.names.length === 1 && template.render(() => '').text === '';
}
