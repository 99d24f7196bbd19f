/**
 * A request body written as one template string (an operation `body` string, or json `data`
 * given as a string), compiled once.
 *
 * Decision: when the template is JSON once its placeholders are filled (checked at compile time
 * with dummy values), values placed inside a JSON string literal are JSON-escaped, so that
 * `{"name":"{{name}}"}` stays valid JSON for a name with a quote and a value can never inject
 * members; a placeholder outside any string takes the value as text (arrays and objects as JSON,
 * `{{crewIds}}` → `["a","b"]`) and `null` when it has no value. Any other template renders as
 * plain Mustache without escaping (contract §3), missing names as empty text.
 */
import { compileTemplate, type Lookup, type Template } from '../../spec/template.js';

export interface TextBodyTemplate {
  /** True when values are JSON-escaped inside string literals (the template is JSON once filled). */
  readonly json: boolean;
  render(lookup: Lookup): string;
}

interface Segment {
  readonly template: Template;
  readonly inString: boolean;
}

export function compileTextBody(source: string): TextBodyTemplate {
  const segments = splitAtStrings(source).map(({ text, inString }) => ({
    template: compileTemplate(text),
    inString,
  }));
  const dummy = renderSegments(segments, () => '0');
  const json = segments.some((s) => !s.template.isStatic) && parsesAsJson(dummy);
  const whole = compileTemplate(source);
  return {
    json,
    render: json
      ? (lookup) => renderSegments(segments, lookup)
      : (lookup) => whole.render(lookup).text,
  };
}

export function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function renderSegments(segments: readonly Segment[], lookup: Lookup): string {
  let text = '';
  for (const { template, inString } of segments) {
    text += inString
      ? template.render(lookup, escapeJsonString).text
      : template.render((name) => lookup(name) ?? 'null').text;
  }
  return text;
}

function escapeJsonString(value: string): string {
  return JSON.stringify(value).slice(1, -1);
}

/** Cuts the source at the quotes of JSON string literals (a quote stays outside the string). */
function splitAtStrings(source: string): { text: string; inString: boolean }[] {
  const parts: { text: string; inString: boolean }[] = [];
  let start = 0;
  let inString = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (inString && c === '\\') {
      i++;
    } else if (c === '"') {
      const end = inString ? i : i + 1;
      parts.push({ text: source.slice(start, end), inString });
      start = end;
      inString = !inString;
    }
  }
  parts.push({ text: source.slice(start), inString });
  return parts;
}
