/**
 * JSON-RPC errors thrown by the MCP handlers (dispatch.ts answers them with their `code`,
 * `detail` and `data`). `message` reads as the SDK clients show errors,
 * `MCP error <code>: <detail>`.
 */
export const RPC_INVALID_PARAMS = -32602;
export const RPC_INTERNAL_ERROR = -32603;

export class RpcError extends Error {
  readonly code: number;
  readonly data: unknown;
  /** The message as sent on the wire. */
  readonly detail: string;

  constructor(code: number, message: string, data?: unknown) {
    super(`MCP error ${code}: ${message}`);
    this.name = 'RpcError';
    this.code = code;
    this.data = data;
    this.detail = message;
  }
}
