/**
 * Skill adapters (contract §9): what their tools point at must exist. A derived tool's
 * `from.sourceNamespace` names a sibling REST or MCP adapter and `from.action` one of its
 * operations or tools; an instruction tool names a file of its skill's `location` folder, so the
 * skill needs one. "Exactly one of `from` and `instruction`" is the JSON Schema's `oneOf` on
 * SkillTool, reported there, not again here.
 */
import { functionRefs } from './references.js';
import { exposes, objectsIn } from '../walk.js';
import type { Obj } from '../walk.js';
import type { RuleContext, SemanticRule } from './rule.js';

/**
 * What a sibling can run, by namespace: REST operation names and MCP tool names (a `ref` with no
 * name takes the function's name, as the adapters do).
 */
function actionsByNamespace(ctx: RuleContext): Map<string, { type: string; actions: Set<string> }> {
  const refs = functionRefs(ctx);
  const nameOf = (unit: Obj): string | undefined => {
    if (typeof unit.name === 'string') return unit.name;
    if (typeof unit.ref === 'string' && refs.has(unit.ref)) {
      return unit.ref.slice(unit.ref.indexOf('.') + 1);
    }
    return undefined;
  };
  const found = new Map<string, { type: string; actions: Set<string> }>();
  for (const [adapter, aPath] of exposes(ctx.doc)) {
    if (typeof adapter.namespace !== 'string' || found.has(adapter.namespace)) continue;
    const actions = new Set<string>();
    if (adapter.type === 'rest') {
      for (const [resource, rPath] of objectsIn(adapter, 'resources', aPath)) {
        for (const [operation] of objectsIn(resource, 'operations', rPath)) {
          const name = nameOf(operation);
          if (name !== undefined) actions.add(name);
        }
      }
    } else if (adapter.type === 'mcp') {
      for (const [tool] of objectsIn(adapter, 'tools', aPath)) {
        const name = nameOf(tool);
        if (name !== undefined) actions.add(name);
      }
    }
    found.set(adapter.namespace, { type: String(adapter.type), actions });
  }
  return found;
}

function list(names: Iterable<string>): string {
  const all = [...names];
  return all.length === 0 ? 'none' : all.map((n) => `"${n}"`).join(', ');
}

export const skillSourceUnresolved: SemanticRule = {
  id: 'skill-source-unresolved',
  severity: 'error',
  summary:
    'A skill tool `from.sourceNamespace` names a sibling REST or MCP adapter, and `from.action` one of its operations or tools.',
  check(ctx, report) {
    let siblings: ReturnType<typeof actionsByNamespace> | undefined;
    for (const [adapter, aPath] of exposes(ctx.doc, 'skill')) {
      for (const [skill, sPath] of objectsIn(adapter, 'skills', aPath)) {
        for (const [tool, tPath] of objectsIn(skill, 'tools', sPath)) {
          const from = tool.from as Obj | undefined;
          if (from === undefined || typeof from.sourceNamespace !== 'string') continue;
          siblings ??= actionsByNamespace(ctx);
          const namespace = from.sourceNamespace;
          const sibling = siblings.get(namespace);
          const adapters = [...siblings].filter(([, s]) => s.type === 'rest' || s.type === 'mcp');
          if (sibling === undefined || (sibling.type !== 'rest' && sibling.type !== 'mcp')) {
            const what = sibling === undefined ? 'no exposed adapter' : `a ${sibling.type} adapter`;
            report(
              `skill tool "${String(tool.name)}": "${namespace}" is ${what}, not a REST or MCP adapter of this capability (known: ${list(adapters.map(([ns]) => ns))})`,
              [...tPath, 'from', 'sourceNamespace'],
            );
          } else if (typeof from.action === 'string' && !sibling.actions.has(from.action)) {
            const kind = sibling.type === 'rest' ? 'operation' : 'tool';
            report(
              `skill tool "${String(tool.name)}": the ${sibling.type.toUpperCase()} adapter "${namespace}" has no ${kind} "${from.action}" (${kind}s: ${list(sibling.actions)})`,
              [...tPath, 'from', 'action'],
            );
          }
        }
      }
    }
  },
};

export const skillInstructionLocation: SemanticRule = {
  id: 'skill-instruction-location',
  severity: 'error',
  summary:
    'A skill with an `instruction` tool declares a `location`: the folder its instruction files are read from.',
  check(ctx, report) {
    for (const [adapter, aPath] of exposes(ctx.doc, 'skill')) {
      for (const [skill, sPath] of objectsIn(adapter, 'skills', aPath)) {
        if (skill.location !== undefined) continue;
        for (const [tool, tPath] of objectsIn(skill, 'tools', sPath)) {
          if (typeof tool.instruction !== 'string') continue;
          report(
            `skill tool "${String(tool.name)}" reads instruction "${tool.instruction}", but skill "${String(skill.name)}" declares no location to read it from`,
            [...tPath, 'instruction'],
          );
        }
      }
    }
  },
};
