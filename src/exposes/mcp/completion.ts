/**
 * `completion/complete` (MCP completions utility) for an MCP adapter, compiled once at load.
 *
 * - Prompt arguments (`ref/prompt`): alpha2 lets an argument declare a name, a label, a
 *   description and whether it is required, and it feeds nothing but `{{name}}` in the prompt's
 *   messages; there are no values to offer, so a known argument completes to `[]`.
 * - URI template variables (`ref/resource`, the template as `resources/templates/list` gives
 *   it): a variable is the resource call's input of the same name. The values it may take are,
 *   in this order: those the input declares (a `boolean` input: `true`, `false`; a `pattern`
 *   that is an anchored list of literals, `^(a|b)$`: `a`, `b`), then the values the variable has
 *   in the URIs of the static resources and exact dynamic URIs that match the template (in
 *   `resources/list` order). `context.arguments` narrows those URIs to the ones whose other
 *   variables have the given values.
 *
 * Values are filtered by the case-sensitive prefix `argument.value`, de-duplicated, and cut at
 * 100 (`total` = every match, `hasMore` = total > 100). A malformed request, an unknown prompt,
 * template or argument is -32602.
 */
import type { InputSpec } from '../../engine/inputs.js';
import type { ExposesMcp } from '../../spec/types.js';
import type { CompiledPrompts } from './prompts.js';
import type { CompiledResources, TemplateBinding } from './resources.js';
import { RPC_INVALID_PARAMS, RpcError } from './rpc-error.js';

/** The most values one answer carries (the MCP schema's limit). */
export const MAX_COMPLETION_VALUES = 100;

export interface CompletionResult {
  completion: { values: string[]; total?: number; hasMore?: boolean };
}

export interface CompiledCompletions {
  /** True when the adapter has prompts with arguments or resource templates. */
  readonly present: boolean;
  complete(params: unknown): Promise<CompletionResult>;
}

interface CompletionRequest {
  readonly ref: { readonly type: 'ref/prompt'; readonly name: string } | ResourceRef;
  readonly argument: { readonly name: string; readonly value: string };
  readonly context: Readonly<Record<string, string>>;
}

interface ResourceRef {
  readonly type: 'ref/resource';
  readonly uri: string;
}

export function compileCompletions(
  adapter: ExposesMcp,
  resources: CompiledResources,
  prompts: CompiledPrompts,
): CompiledCompletions {
  /** Prompt name → its argument names, in declared order. */
  const promptArguments = new Map<string, readonly string[]>(
    (adapter.prompts ?? []).map((p) => [p.name, (p.arguments ?? []).map((a) => a.name)]),
  );
  const bindings = new Map(resources.bindings.map((b) => [b.uriTemplate, b]));
  /** Template → variable → the values its input declares (computed once). */
  const declared = new Map(
    resources.bindings.map((b) => [
      b.uriTemplate,
      new Map(b.variables.map((v) => [v, declaredValues(b.inputs.find((i) => i.name === v))])),
    ]),
  );
  const present =
    (prompts.present && [...promptArguments.values()].some((args) => args.length > 0)) ||
    bindings.size > 0;

  async function complete(params: unknown): Promise<CompletionResult> {
    const request = parseRequest(params);
    const { ref, argument } = request;
    if (ref.type === 'ref/prompt') {
      const args = promptArguments.get(ref.name);
      if (args === undefined) throw invalid(`unknown prompt: ${ref.name}`);
      if (!args.includes(argument.name)) {
        throw invalid(`prompt ${ref.name} has no argument ${argument.name}`);
      }
      return answer([], argument.value);
    }
    const binding = bindings.get(ref.uri);
    if (binding === undefined) {
      // A concrete resource URI has nothing left to complete.
      const listed = await resources.list();
      if (listed.some((r) => r.uri === ref.uri)) return answer([], argument.value);
      throw invalid(`unknown resource template: ${ref.uri}`);
    }
    if (!binding.variables.includes(argument.name)) {
      throw invalid(`resource template ${ref.uri} has no variable ${argument.name}`);
    }
    const values = [...(declared.get(binding.uriTemplate)?.get(argument.name) ?? [])];
    values.push(...(await seenValues(binding, argument.name, request.context)));
    return answer(values, argument.value);
  }

  async function seenValues(
    binding: TemplateBinding,
    variable: string,
    context: Readonly<Record<string, string>>,
  ): Promise<string[]> {
    const values: string[] = [];
    for (const resource of await resources.list()) {
      const variables = binding.match(resource.uri);
      if (variables === undefined) continue;
      const agrees = Object.entries(context).every(
        ([name, value]) =>
          name === variable || !binding.variables.includes(name) || variables[name] === value,
      );
      const value = variables[variable];
      if (agrees && value !== undefined) values.push(value);
    }
    return values;
  }

  return { present, complete };
}

/** The answer: unique values with the prefix, in order, at most 100. */
function answer(candidates: readonly string[], prefix: string): CompletionResult {
  const matches = [...new Set(candidates)].filter((v) => v.startsWith(prefix));
  return {
    completion: {
      values: matches.slice(0, MAX_COMPLETION_VALUES),
      total: matches.length,
      hasMore: matches.length > MAX_COMPLETION_VALUES,
    },
  };
}

/** The values an input declares: `true`/`false` for a boolean, the literals of a `^(a|b)$` pattern. */
export function declaredValues(input: InputSpec | undefined): string[] {
  if (input === undefined) return [];
  if (input.type === 'boolean') return ['true', 'false'];
  return input.pattern === undefined ? [] : patternLiterals(input.pattern.source);
}

/**
 * The literals of a pattern that is nothing but an anchored alternation of them: `^(a|b)$`,
 * `^(?:a|b)$`, `^a$` (escaped metacharacters such as `\.` are literals). Any other pattern
 * (classes, quantifiers, groups inside) gives `[]`: it does not list its values.
 */
export function patternLiterals(source: string): string[] {
  const anchored = /^\^(?:\((?:\?:)?([\s\S]*)\)|([\s\S]*))\$$/.exec(source);
  if (anchored === null) return [];
  // `^a|b$` is "starts with a, or ends with b": only a group makes the anchors hold every branch.
  const grouped = anchored[1] !== undefined;
  const body = anchored[1] ?? anchored[2] ?? '';
  const values: string[] = [];
  let current = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c === '\\') {
      const next = body[i + 1];
      if (next === undefined || /[A-Za-z0-9]/.test(next)) return [];
      current += next;
      i++;
    } else if (c === '|') {
      if (!grouped) return [];
      values.push(current);
      current = '';
    } else if ('.*+?^$()[]{}'.includes(c)) {
      return [];
    } else {
      current += c;
    }
  }
  values.push(current);
  return values;
}

function parseRequest(params: unknown): CompletionRequest {
  if (!isRecord(params)) throw invalid('completion/complete needs params');
  const { ref, argument, context } = params;
  if (!isRecord(ref)) throw invalid('completion/complete: ref must be an object');
  let parsedRef: CompletionRequest['ref'];
  if (ref.type === 'ref/prompt') {
    if (typeof ref.name !== 'string')
      throw invalid('completion/complete: ref.name must be a string');
    parsedRef = { type: 'ref/prompt', name: ref.name };
  } else if (ref.type === 'ref/resource') {
    if (typeof ref.uri !== 'string') throw invalid('completion/complete: ref.uri must be a string');
    parsedRef = { type: 'ref/resource', uri: ref.uri };
  } else {
    throw invalid('completion/complete: ref.type must be "ref/prompt" or "ref/resource"');
  }
  if (!isRecord(argument) || typeof argument.name !== 'string') {
    throw invalid('completion/complete: argument.name must be a string');
  }
  if (typeof argument.value !== 'string') {
    throw invalid('completion/complete: argument.value must be a string');
  }
  const known: Record<string, string> = {};
  if (context !== undefined) {
    if (!isRecord(context)) throw invalid('completion/complete: context must be an object');
    const args = context.arguments;
    if (args !== undefined) {
      if (!isRecord(args))
        throw invalid('completion/complete: context.arguments must be an object');
      for (const [name, value] of Object.entries(args)) {
        if (typeof value !== 'string') {
          throw invalid(`completion/complete: context.arguments.${name} must be a string`);
        }
        known[name] = value;
      }
    }
  }
  return {
    ref: parsedRef,
    argument: { name: argument.name, value: argument.value },
    context: known,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(message: string): RpcError {
  return new RpcError(RPC_INVALID_PARAMS, message);
}
