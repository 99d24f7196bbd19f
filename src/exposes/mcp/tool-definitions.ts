/**
 * The tools of an MCP adapter, compiled once at load (contract §8): each `McpTool`'s invocation
 * and its MCP definition — `name`, `title` (= `label`), `description`, `inputSchema` and
 * `annotations` from `hints`. A `ref` tool takes its name, description and default hints from
 * the aggregate function it references.
 */
import type { Tool, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import { NaftikoError } from '../../errors.js';
import type { Invocation } from '../../engine/invocation.js';
import type { Runtime } from '../../engine/runtime.js';
import type { AggregateFunction, ExposesMcp, McpTool, McpToolHints } from '../../spec/types.js';
import { compileContent } from './content.js';
import type { ContentPlan } from './content.js';
import { inputSchemaOf } from './input-schema.js';

export interface CompiledTool {
  readonly definition: Tool;
  readonly invocation: Invocation;
  /** The content blocks its outputs declare (engine dialect `content:`); absent when none. */
  readonly content?: ContentPlan;
}

export function compileTools(adapter: ExposesMcp, runtime: Runtime): CompiledTool[] {
  const functions = new Map<string, AggregateFunction>();
  for (const aggregate of runtime.capability.doc.capability?.aggregates ?? []) {
    for (const fn of aggregate.functions) functions.set(`${aggregate.namespace}.${fn.name}`, fn);
  }
  return (adapter.tools ?? []).map((tool) => {
    const fn = tool.ref !== undefined ? functions.get(tool.ref) : undefined;
    const invocation = runtime.invocation(tool, adapter.namespace);
    const definition = definitionOf(tool, fn, invocation);
    // A `ref` tool runs its function, whose outputs carry no content kinds.
    const content =
      tool.ref === undefined ? compileContent(definition.name, tool.outputParameters) : undefined;
    return content === undefined ? { definition, invocation } : { definition, invocation, content };
  });
}

function definitionOf(
  tool: McpTool,
  fn: AggregateFunction | undefined,
  invocation: Invocation,
): Tool {
  // Same derivation as the mcp-tool-name rule: a `ref` tool without a name takes the function's.
  const name =
    tool.name ?? (tool.ref !== undefined ? tool.ref.slice(tool.ref.indexOf('.') + 1) : '');
  if (name === '') throw new NaftikoError('INTERNAL', 'an MCP tool has neither name nor ref');
  const description = tool.description ?? fn?.description;
  const annotations = annotationsOf(tool.hints, fn);
  return {
    name,
    ...(tool.label !== undefined ? { title: tool.label } : {}),
    ...(description !== undefined ? { description } : {}),
    inputSchema: inputSchemaOf(invocation.inputs),
    ...(annotations !== undefined ? { annotations } : {}),
  };
}

/**
 * `hints` as MCP annotations. A function's `semantics` give the defaults (safe ↔ read-only and
 * not destructive, idempotent ↔ idempotent, as the aggregate-semantics rule reads them); the
 * tool's own hints win.
 */
export function annotationsOf(
  hints: McpToolHints | undefined,
  fn?: AggregateFunction,
): ToolAnnotations | undefined {
  const semantics = fn?.semantics;
  const readOnly = hints?.readOnly ?? semantics?.safe;
  const destructive = hints?.destructive ?? (semantics?.safe === true ? false : undefined);
  const idempotent = hints?.idempotent ?? semantics?.idempotent;
  const openWorld = hints?.openWorld;
  const annotations: ToolAnnotations = {
    ...(readOnly !== undefined ? { readOnlyHint: readOnly } : {}),
    ...(destructive !== undefined ? { destructiveHint: destructive } : {}),
    ...(idempotent !== undefined ? { idempotentHint: idempotent } : {}),
    ...(openWorld !== undefined ? { openWorldHint: openWorld } : {}),
  };
  return Object.keys(annotations).length > 0 ? annotations : undefined;
}
