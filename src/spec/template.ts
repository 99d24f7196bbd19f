/**
 * The spec's template language: Mustache variables without HTML escaping (contract §3).
 *
 * Capabilities use variables only (`{{name}}`, `{{step.field}}`, `{{ns.VAR}}`, also written
 * `{{{name}}}` or `{{& name}}`); a template is compiled once at load into literal and variable
 * parts, and rendering reports which variables had no value, so that a caller can refuse to send
 * an unresolved placeholder upstream. Paths may also use the single-brace form `{name}`.
 */

export type Lookup = (name: string) => unknown;

export interface RenderResult {
  readonly text: string;
  /** Names that had no value (rendered as empty). */
  readonly missing: readonly string[];
}

export interface Template {
  readonly source: string;
  /** Variable names, in order of appearance. */
  readonly names: readonly string[];
  /** True when there is nothing to substitute. */
  readonly isStatic: boolean;
  render(lookup: Lookup, encode?: (value: string) => string): RenderResult;
}

type Part = { literal: string } | { name: string };

const DOUBLE = /\{\{\{\s*([^{}\s]+)\s*\}\}\}|\{\{&?\s*([^{}\s]+)\s*\}\}/g;
const DOUBLE_OR_SINGLE = /\{\{\{\s*([^{}\s]+)\s*\}\}\}|\{\{&?\s*([^{}\s]+)\s*\}\}|\{([^{}\s]+)\}/g;

export function compileTemplate(source: string, options: { singleBrace?: boolean } = {}): Template {
  const pattern = options.singleBrace ? DOUBLE_OR_SINGLE : DOUBLE;
  const parts: Part[] = [];
  let last = 0;
  for (const match of source.matchAll(pattern)) {
    const index = match.index;
    if (index > last) parts.push({ literal: source.slice(last, index) });
    parts.push({ name: (match[1] ?? match[2] ?? match[3]) as string });
    last = index + match[0].length;
  }
  if (last < source.length) parts.push({ literal: source.slice(last) });
  const names = parts.flatMap((p) => ('name' in p ? [p.name] : []));
  return {
    source,
    names,
    isStatic: names.length === 0,
    render(lookup, encode) {
      if (names.length === 0) return { text: source, missing: [] };
      let text = '';
      const missing: string[] = [];
      for (const part of parts) {
        if ('literal' in part) {
          text += part.literal;
          continue;
        }
        const value = lookup(part.name);
        if (value === undefined || value === null) {
          missing.push(part.name);
          continue;
        }
        const shown = stringify(value);
        text += encode ? encode(shown) : shown;
      }
      return { text, missing };
    },
  };
}

/** How a value appears inside rendered text: strings as they are, the rest as JSON. */
export function stringify(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The variable names of a template string (without compiling it for rendering). */
export function templateNames(source: string, options: { singleBrace?: boolean } = {}): string[] {
  return [...compileTemplate(source, options).names];
}

const BARE_NAME = /^[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*)?$/;

/**
 * A credential or parameter value written as the bare name of a bound variable
 * (`token: "REGISTRY_TOKEN"`, as the official tutorial's text and its step 11 write it) means that
 * variable: the source is returned as a `{{name}}` template. Anything else is returned as it is.
 * Only names that are bound count, so a literal never changes meaning by accident; validation
 * warns about the form (`bare-variable-reference`).
 */
export function bareVariableAsTemplate(source: string, isBound: (name: string) => boolean): string {
  const name = source.trim();
  return BARE_NAME.test(name) && isBound(name) ? `{{${name}}}` : source;
}

const VARIABLE_LIKE = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/;

/**
 * Whether a literal credential reads like the name of an unbound variable (`MCP_SERVER_TOKN`):
 * upper snake case with an underscore. An inbound lock with such a "secret" would accept its own
 * misspelt name as the token, so it is refused (validation: `credential-unbound-name`).
 */
export function looksLikeVariableName(source: string): boolean {
  return VARIABLE_LIKE.test(source.trim());
}
