/**
 * An MCP tool's `inputSchema` (contract §8): a JSON Schema object built from the invocation's
 * inputs — the tool's declared `inputParameters`, or the consumed parameters its `with` reaches
 * (`body` is an object). An input without a type gets no type constraint.
 */
import type { InputSpec } from '../../engine/inputs.js';

export interface PropertySchema {
  type?: string;
  description?: string;
  pattern?: string;
}

export interface ToolInputSchema {
  [key: string]: unknown;
  type: 'object';
  properties: Record<string, PropertySchema>;
  required?: string[];
}

export function inputSchemaOf(inputs: readonly InputSpec[]): ToolInputSchema {
  const properties: Record<string, PropertySchema> = {};
  const required = new Set<string>();
  for (const input of inputs) {
    // Two consumed parameters fed by one input: the first describes it, either may require it.
    properties[input.name] ??= {
      ...(input.type !== undefined ? { type: input.type } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.pattern !== undefined ? { pattern: input.pattern.source } : {}),
    };
    if (input.required) required.add(input.name);
  }
  return {
    type: 'object',
    properties,
    ...(required.size > 0 ? { required: [...required] } : {}),
  };
}
