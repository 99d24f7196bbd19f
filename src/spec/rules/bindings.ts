/**
 * Template and `with` references (contract §3, §4): a `{{namespace.VAR}}` placeholder whose
 * namespace is a binding names one of its keys; placeholders in authentication name a bound
 * variable; `tools.X` in a tool that declares its inputs names one of them; and a `with` key
 * names a parameter (or placeholder) of the consumed operation it feeds.
 */
import type { Path } from '../diagnostic-sink.js';
import { bareVariableAsTemplate, looksLikeVariableName, templateNames } from '../template.js';
import type { ResolvedConsumes } from '../imports.js';
import type { Binding, ConsumedHttpOperation, ConsumedHttpResource } from '../types.js';
import {
  consumedInputParameters,
  exposes,
  inlineConsumes,
  invocables,
  isObj,
  mcpTools,
} from '../walk.js';
import type { RuleContext, SemanticRule } from './rule.js';

const placeholders = (text: string): string[] => templateNames(text);

function allBindings(ctx: RuleContext): Binding[] {
  return [...(ctx.doc.binds ?? []), ...(ctx.doc.capability?.binds ?? [])];
}

/**
 * Every string in a value that holds a `{{` (nothing else can have a placeholder), with its
 * path, in document order. One path array is reused during the walk: the callback gets a copy.
 */
function templateStrings(value: unknown, path: Path, visit: (text: string, path: Path) => void) {
  const stack: (string | number)[] = [...path];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') {
      if (v.includes('{{')) visit(v, [...stack]);
    } else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        stack.push(i);
        walk(v[i]);
        stack.pop();
      }
    } else if (isObj(v)) {
      for (const k of Object.keys(v)) {
        stack.push(k);
        walk(v[k]);
        stack.pop();
      }
    }
  };
  walk(value);
}

export const templateReference: SemanticRule = {
  id: 'template-reference',
  severity: 'error',
  summary:
    '`{{binding.VAR}}` names a key of that binding; placeholders in `authentication` name a bound variable.',
  check(ctx, report) {
    const bindings = allBindings(ctx);
    const keysOf = new Map<string, Set<string>>();
    for (const b of bindings) {
      const keys = keysOf.get(b.namespace) ?? new Set<string>();
      for (const k of Object.keys(b.keys)) keys.add(k);
      keysOf.set(b.namespace, keys);
    }
    const bound = (name: string): boolean => {
      const dot = name.indexOf('.');
      if (dot === -1) return [...keysOf.values()].some((keys) => keys.has(name));
      return keysOf.get(name.slice(0, dot))?.has(name.slice(dot + 1)) ?? false;
    };
    const doc: unknown = ctx.doc;
    templateStrings(isObj(doc) ? doc.capability : undefined, ['capability'], (text, path) => {
      for (const name of placeholders(text)) {
        const dot = name.indexOf('.');
        const inAuth = path.includes('authentication');
        if (dot !== -1 && keysOf.has(name.slice(0, dot)) && !bound(name)) {
          report(
            `{{${name}}}: binding "${name.slice(0, dot)}" has no key "${name.slice(dot + 1)}" (keys: ${[...(keysOf.get(name.slice(0, dot)) ?? [])].join(', ') || 'none'})`,
            path,
          );
        } else if (inAuth && !bound(name)) {
          report(
            `{{${name}}} in authentication is not a bound variable; declare it under \`binds\` (${bindings.length === 0 ? 'the document has no binds' : `bound: ${bindings.flatMap((b) => Object.keys(b.keys)).join(', ')}`})`,
            path,
          );
        }
      }
    });
  },
};

const CREDENTIAL_FIELDS = ['token', 'username', 'password', 'key', 'value'] as const;

/** Every bound variable name, both as `VAR` and as `binding.VAR`. */
function boundNames(ctx: RuleContext): Set<string> {
  const bound = new Set<string>();
  for (const b of allBindings(ctx)) {
    for (const k of Object.keys(b.keys)) bound.add(k).add(`${b.namespace}.${k}`);
  }
  return bound;
}

/** Each string credential field of the given adapters' `authentication`, with its path. */
function* credentials(
  adapters: Iterable<[Record<string, unknown>, Path]>,
): Generator<[string, (typeof CREDENTIAL_FIELDS)[number], Path]> {
  for (const [adapter, path] of adapters) {
    const auth = adapter.authentication;
    if (!isObj(auth)) continue;
    for (const field of CREDENTIAL_FIELDS) {
      const text = auth[field];
      if (typeof text === 'string') yield [text, field, [...path, 'authentication', field]];
    }
  }
}

export const bareVariableReference: SemanticRule = {
  id: 'bare-variable-reference',
  severity: 'warning',
  summary:
    "A credential or consumed parameter `value` written as a bound variable's bare name (`REGISTRY_TOKEN`) rather than `{{REGISTRY_TOKEN}}`.",
  check(ctx, report) {
    const bound = boundNames(ctx);
    if (bound.size === 0) return;
    const check = (text: unknown, what: string, path: Path) => {
      if (typeof text !== 'string') return;
      const template = bareVariableAsTemplate(text, (name) => bound.has(name));
      if (template === text) return;
      report(
        `${what} "${text}" is the bare name of a bound variable: the engine uses its value, as the tutorial means it; write "${template}" (the reference engine would send the name itself)`,
        path,
      );
    };
    for (const [text, field, path] of credentials([
      ...inlineConsumes(ctx.doc),
      ...exposes(ctx.doc),
    ])) {
      check(text, `authentication ${field}`, path);
    }
    for (const [param, path] of consumedInputParameters(ctx.doc)) {
      check(param.value, `parameter ${String(param.name)} value`, [...path, 'value']);
    }
  },
};

export const credentialUnboundName: SemanticRule = {
  id: 'credential-unbound-name',
  severity: 'error',
  summary:
    "An exposed adapter's credential is not a literal that reads like an unbound variable name (`MCP_SERVER_TOKN`): `naftiko run` refuses it.",
  check(ctx, report) {
    const bound = boundNames(ctx);
    for (const [text, field, path] of credentials(exposes(ctx.doc))) {
      if (bound.has(text.trim()) || !looksLikeVariableName(text)) continue;
      report(
        `authentication ${field} "${text}" reads like a variable name, but no bound variable has it: the adapter would accept its name as the secret (write "{{${text.trim()}}}" and bind it)`,
        path,
      );
    }
  },
};

/** Names a consumed operation accepts: its parameters, its resource's and its namespace's. */
function acceptedNames(
  consumes: ResolvedConsumes,
  resource: ConsumedHttpResource,
  operation: ConsumedHttpOperation,
): Set<string> {
  const names = new Set<string>();
  for (const p of [
    ...(consumes.spec.inputParameters ?? []),
    ...(resource.inputParameters ?? []),
    ...(operation.inputParameters ?? []),
  ]) {
    names.add(p.name);
  }
  const templated = [consumes.spec.baseUri, resource.path, JSON.stringify(operation.body ?? '')];
  for (const text of templated) {
    for (const name of templateNames(text, { singleBrace: true })) names.add(name);
  }
  return names;
}

function findOperation(
  consumes: ResolvedConsumes,
  name: string,
): [ConsumedHttpResource, ConsumedHttpOperation] | undefined {
  for (const resource of consumes.spec.resources ?? []) {
    const operation = resource.operations.find((o) => o.name === name);
    if (operation) return [resource, operation];
  }
  return undefined;
}

export const withParameter: SemanticRule = {
  id: 'with-unknown-parameter',
  severity: 'warning',
  summary: 'A `with` key names a parameter or placeholder of the consumed operation it feeds.',
  check(ctx, report) {
    for (const [invocable, path] of invocables(ctx.doc)) {
      if (typeof invocable.call !== 'string' || !isObj(invocable.with)) continue;
      const dot = invocable.call.indexOf('.');
      const consumes = ctx.consumes.get(invocable.call.slice(0, dot));
      const found = consumes && findOperation(consumes, invocable.call.slice(dot + 1));
      if (!consumes || !found) continue; // call-unresolved reports it
      const accepted = acceptedNames(consumes, ...found);
      for (const key of Object.keys(invocable.with)) {
        if (!accepted.has(key)) {
          report(
            `with "${key}": ${invocable.call} has no parameter or placeholder "${key}" (it takes: ${[...accepted].join(', ') || 'nothing'})`,
            [...path, 'with', key],
            'key',
          );
        }
      }
    }
  },
};

export const withReference: SemanticRule = {
  id: 'with-reference',
  severity: 'error',
  summary:
    'In an MCP tool that declares `inputParameters`, `tools.X` (or `mcp.X`) names one of them.',
  check(ctx, report) {
    for (const [tool, path, adapter] of mcpTools(ctx.doc)) {
      if (!isObj(tool.with) || !Array.isArray(tool.inputParameters)) continue;
      const prefixes = ['tools', 'mcp', adapter.namespace];
      const inputs = new Set(tool.inputParameters.map((p: { name: string }) => p.name));
      for (const [key, value] of Object.entries(tool.with)) {
        if (typeof value !== 'string') continue;
        const dot = value.indexOf('.');
        if (dot === -1 || !prefixes.includes(value.slice(0, dot))) continue;
        const input = value.slice(dot + 1);
        if (!inputs.has(input)) {
          report(
            `with "${key}: ${value}": the tool has no input "${input}" (inputs: ${[...inputs].join(', ') || 'none'})`,
            [...path, 'with', key],
          );
        }
      }
    }
  },
};
