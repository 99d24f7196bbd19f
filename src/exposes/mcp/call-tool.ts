/**
 * One `tools/call` (contract §8): check the arguments against the tool's inputs — violations are
 * an `isError` result naming every problem, with no upstream call — then run the invocation and
 * map its result. Nothing thrown escapes: every failure is a tool result.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { NaftikoError } from '../../errors.js';
import { checkInputs } from '../../engine/inputs.js';
import type { Runtime } from '../../engine/runtime.js';
import type { RequestContext } from '../../observability/request-context.js';
import type { CompiledTool } from './tool-definitions.js';
import { toolErrorResult, toolResult } from './tool-result.js';

export async function callTool(
  tool: CompiledTool,
  args: Readonly<Record<string, unknown>>,
  runtime: Runtime,
  signal?: AbortSignal,
  onError?: (err: unknown) => void,
  context?: RequestContext,
): Promise<CallToolResult> {
  try {
    const { values, problems } = checkInputs(tool.invocation.inputs, args, false);
    if (problems.length > 0) {
      throw new NaftikoError('INPUT_INVALID', problems.map((p) => p.message).join('; '), {
        details: { problems },
      });
    }
    const result = await tool.invocation.run(values, signal, context);
    return toolResult(result, runtime.redact, tool.content);
  } catch (err) {
    // A call its client abandoned (the request's signal aborted) is not an engine failure.
    const abandoned = signal?.aborted === true;
    if (!abandoned && (!(err instanceof NaftikoError) || err.code === 'INTERNAL')) onError?.(err);
    return toolErrorResult(err, runtime.redact);
  }
}
