/**
 * Orchestration hygiene (intent of the official naftiko-aggregate-semantics-consistency and
 * naftiko-script-defaults-required rules, with their severities): an aggregate function's
 * `semantics` agree with the hints and methods of what references it, and every script step can
 * tell where its file is and what language it is written in.
 */
import type { Path } from '../diagnostic-sink.js';
import type { Semantics } from '../types.js';
import { exposes, invocables, isObj, mcpTools, restOperations } from '../walk.js';
import type { RuleContext, SemanticRule } from './rule.js';

function semanticsByRef(ctx: RuleContext): Map<string, Semantics> {
  const found = new Map<string, Semantics>();
  for (const aggregate of ctx.doc.capability?.aggregates ?? []) {
    for (const fn of aggregate.functions) {
      if (fn.semantics) found.set(`${aggregate.namespace}.${fn.name}`, fn.semantics);
    }
  }
  return found;
}

export const aggregateSemantics: SemanticRule = {
  id: 'aggregate-semantics',
  severity: 'warning',
  summary:
    "A function's `semantics` agree with MCP hints (safe ↔ readOnly, not destructive; idempotent) and REST methods (safe ↔ GET; idempotent ≠ POST).",
  check(ctx, report) {
    const semantics = semanticsByRef(ctx);
    for (const [tool, path] of mcpTools(ctx.doc)) {
      const s = typeof tool.ref === 'string' ? semantics.get(tool.ref) : undefined;
      const hints = tool.hints;
      if (s === undefined || !isObj(hints)) continue;
      const at = (field: string): Path => [...path, 'hints', field];
      if (s.safe === true && hints.readOnly === false)
        report(`${tool.ref} is safe but readOnly is false`, at('readOnly'));
      if (s.safe === false && hints.readOnly === true)
        report(`${tool.ref} is not safe but readOnly is true`, at('readOnly'));
      if (s.safe === true && hints.destructive === true)
        report(`${tool.ref} is safe but destructive is true`, at('destructive'));
      if (
        s.idempotent !== undefined &&
        typeof hints.idempotent === 'boolean' &&
        s.idempotent !== hints.idempotent
      ) {
        report(
          `${tool.ref} has idempotent ${s.idempotent} but the hint says ${hints.idempotent}`,
          at('idempotent'),
        );
      }
    }
    for (const [operation, path] of restOperations(ctx.doc)) {
      const s = typeof operation.ref === 'string' ? semantics.get(operation.ref) : undefined;
      if (s === undefined || typeof operation.method !== 'string') continue;
      const method = operation.method.toUpperCase();
      const at: Path = [...path, 'method'];
      if (s.safe === true && method !== 'GET')
        report(`${operation.ref} is safe; safe functions use GET, not ${method}`, at);
      if (s.safe === false && method === 'GET')
        report(`${operation.ref} is not safe but is exposed with GET`, at);
      if (s.idempotent === true && method === 'POST')
        report(`${operation.ref} is idempotent but POST is not`, at);
    }
  },
};

export const scriptDefaults: SemanticRule = {
  id: 'script-defaults',
  severity: 'error',
  summary:
    'A script step has a `location` and a `language`, or the control adapter sets `management.scripting` defaults.',
  check(ctx, report) {
    let defaultLocation = false;
    let defaultLanguage = false;
    for (const [control] of exposes(ctx.doc, 'control')) {
      const scripting = isObj(control.management) ? control.management.scripting : undefined;
      if (!isObj(scripting)) continue;
      defaultLocation ||= typeof scripting.defaultLocation === 'string';
      defaultLanguage ||= typeof scripting.defaultLanguage === 'string';
    }
    for (const [invocable, path] of invocables(ctx.doc)) {
      if (!Array.isArray(invocable.steps)) continue;
      for (const [i, step] of (invocable.steps as unknown[]).entries()) {
        if (!isObj(step) || step.type !== 'script') continue;
        const at: Path = [...path, 'steps', i];
        if (step.location === undefined && !defaultLocation) {
          report(
            `script step "${String(step.name)}" has no location and no scripting.defaultLocation is set`,
            at,
          );
        }
        if (step.language === undefined && !defaultLanguage) {
          report(
            `script step "${String(step.name)}" has no language and no scripting.defaultLanguage is set`,
            at,
          );
        }
      }
    }
  },
};
