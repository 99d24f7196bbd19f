/**
 * The `with` injector (contract §4): maps consumed parameter names to values.
 *
 * - `rest.X`, `tools.X`, `mcp.X` or `<exposing namespace>.X`: the caller's input X (absent → the
 *   parameter is omitted). The reference engine sends these as literal strings, which breaks
 *   every generated capability; we deliberately treat them as references.
 * - a string with `{{...}}`: a template rendered against the request scope (absent → omitted);
 * - anything else: a literal.
 * Without any `with`, a consumed parameter takes the caller's input of the same name.
 */
import type { Lookup, Template } from '../spec/template.js';
import { compileTemplate } from '../spec/template.js';
import type { WithInjector } from '../spec/types.js';

type Source = { input: string } | { template: Template } | { literal: unknown };

export interface CompiledWith {
  /** Consumed parameter name → caller input name, for `prefix.X` references. */
  readonly references: ReadonlyMap<string, string>;
  /** True when the unit declares no `with` (same-name pass-through applies). */
  readonly passThrough: boolean;
  /** Whether `with` sets this consumed parameter (or placeholder). */
  fills(name: string): boolean;
  resolve(
    inputs: Readonly<Record<string, unknown>>,
    scope: Lookup,
    consumed: readonly string[],
  ): Record<string, unknown>;
}

export function compileWith(
  spec: WithInjector | undefined,
  prefixes: readonly string[],
): CompiledWith {
  const sources = new Map<string, Source>();
  const references = new Map<string, string>();
  for (const [param, raw] of Object.entries(spec ?? {})) {
    const reference = typeof raw === 'string' ? inputReference(raw, prefixes) : undefined;
    if (reference !== undefined) {
      sources.set(param, { input: reference });
      references.set(param, reference);
    } else if (typeof raw === 'string' && raw.includes('{{')) {
      sources.set(param, { template: compileTemplate(raw) });
    } else {
      sources.set(param, { literal: raw });
    }
  }
  const passThrough = spec === undefined;
  return {
    references,
    passThrough,
    fills: (name) => sources.has(name),
    resolve(inputs, scope, consumed) {
      const args: Record<string, unknown> = {};
      if (passThrough) {
        for (const name of consumed) if (inputs[name] !== undefined) args[name] = inputs[name];
        return args;
      }
      for (const [param, source] of sources) {
        if ('input' in source) {
          const value = inputs[source.input];
          if (value !== undefined) args[param] = value;
        } else if ('template' in source) {
          const { text, missing } = source.template.render(scope);
          if (missing.length === 0) args[param] = text;
        } else {
          args[param] = source.literal;
        }
      }
      return args;
    },
  };
}

/** `prefix.X` → X when prefix is one of the caller-input prefixes. */
function inputReference(value: string, prefixes: readonly string[]): string | undefined {
  const dot = value.indexOf('.');
  if (dot <= 0) return undefined;
  const prefix = value.slice(0, dot);
  const name = value.slice(dot + 1);
  return prefixes.includes(prefix) && /^[^\s{}]+$/.test(name) ? name : undefined;
}
