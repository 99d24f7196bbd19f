/**
 * JSON-RPC errors thrown by the MCP handlers. The SDK answers any error a handler throws with
 * its `code` when that is an integer, its `message` and its `data`; the SDK's own McpError is
 * not needed for that, and importing it would load the SDK (and its zod schemas) while the
 * adapter is being compiled. Messages read as the SDK's do: `MCP error <code>: <message>`.
 */
export const RPC_INVALID_PARAMS = -32602;
export const RPC_INTERNAL_ERROR = -32603;

export class RpcError extends Error {
  readonly code: number;
  readonly data: unknown;

  constructor(code: number, message: string, data?: unknown) {
    super(`MCP error ${code}: ${message}`);
    this.name = 'RpcError';
    this.code = code;
    this.data = data;
  }
}
