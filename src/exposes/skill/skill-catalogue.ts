/**
 * What a skill adapter says about its skills (contract §9), compiled once when the app is built:
 * the catalogue (`GET /skills`) and each skill's detail (`GET /skills/{name}`), serialised ahead
 * of time since they depend on the spec only. A derived tool names the sibling adapter to call
 * (`invocationRef`, with `mode` from that adapter's type); an instruction tool names a file of
 * the skill's `location` folder. Nothing here runs a tool.
 */
import { NaftikoError } from '../../errors.js';
import type { ExposedSkill, ExposesAdapter, ExposesSkill, SkillTool } from '../../spec/types.js';
import { locationFolder } from './skill-folder.js';

export interface SkillSummary {
  readonly name: string;
  readonly description: string;
  readonly license?: string;
  readonly tools: readonly string[];
}

export type SkillToolView =
  | {
      readonly name: string;
      readonly description: string;
      readonly type: 'derived';
      readonly invocationRef: {
        readonly targetNamespace: string;
        readonly action: string;
        readonly mode: 'rest' | 'mcp';
      };
    }
  | {
      readonly name: string;
      readonly description: string;
      readonly type: 'instruction';
      readonly instruction: string;
    };

export interface CompiledSkill {
  readonly name: string;
  /** The `location` folder (absolute, not yet through symlinks), when the skill has one. */
  readonly folder?: string;
  /** `GET /skills/{name}`, serialised. */
  readonly detailJson: string;
}

export interface CompiledCatalogue {
  /** `GET /skills`, serialised. */
  readonly catalogueJson: string;
  readonly skills: ReadonlyMap<string, CompiledSkill>;
}

/** Optional skill fields passed through as declared, in this order. */
const PASSED_THROUGH = [
  'license',
  'compatibility',
  'argument-hint',
  'allowed-tools',
  'user-invocable',
  'disable-model-invocation',
  'metadata',
] as const;

export function compileCatalogue(
  adapter: ExposesSkill,
  siblings: readonly ExposesAdapter[],
  baseDir: string,
): CompiledCatalogue {
  const modes = new Map<string, 'rest' | 'mcp'>();
  for (const sibling of siblings) {
    if (sibling.type === 'rest' || sibling.type === 'mcp')
      modes.set(sibling.namespace, sibling.type);
  }
  const skills = new Map<string, CompiledSkill>();
  const summaries: SkillSummary[] = [];
  for (const skill of adapter.skills) {
    const tools = (skill.tools ?? []).map((tool) => toolView(adapter, skill, tool, modes));
    summaries.push({
      name: skill.name,
      description: skill.description,
      ...(skill.license !== undefined ? { license: skill.license } : {}),
      tools: tools.map((t) => t.name),
    });
    const detail: Record<string, unknown> = { name: skill.name, description: skill.description };
    for (const key of PASSED_THROUGH) {
      if (skill[key] !== undefined) detail[key] = skill[key];
    }
    detail.tools = tools;
    skills.set(skill.name, {
      name: skill.name,
      ...(skill.location !== undefined ? { folder: locationFolder(skill.location, baseDir) } : {}),
      detailJson: JSON.stringify(detail),
    });
  }
  return {
    catalogueJson: JSON.stringify({ count: summaries.length, skills: summaries }),
    skills,
  };
}

function toolView(
  adapter: ExposesSkill,
  skill: ExposedSkill,
  tool: SkillTool,
  modes: ReadonlyMap<string, 'rest' | 'mcp'>,
): SkillToolView {
  const where = `skill adapter "${adapter.namespace}", skill "${skill.name}", tool "${tool.name}"`;
  if (tool.from !== undefined && tool.instruction === undefined) {
    const mode = modes.get(tool.from.sourceNamespace);
    if (mode === undefined) {
      // Validation reports this (skill-source-unresolved); an unvalidated document stops here.
      throw new NaftikoError(
        'SPEC_INVALID',
        `${where}: "${tool.from.sourceNamespace}" is not a REST or MCP adapter of this capability`,
      );
    }
    return {
      name: tool.name,
      description: tool.description,
      type: 'derived',
      invocationRef: {
        targetNamespace: tool.from.sourceNamespace,
        action: tool.from.action,
        mode,
      },
    };
  }
  if (tool.instruction !== undefined && tool.from === undefined) {
    return {
      name: tool.name,
      description: tool.description,
      type: 'instruction',
      instruction: tool.instruction,
    };
  }
  throw new NaftikoError('SPEC_INVALID', `${where}: needs exactly one of "from" and "instruction"`);
}
