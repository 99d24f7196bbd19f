/**
 * The stdio transport of an MCP adapter (contract §8, `transport: stdio`): JSON-RPC over
 * stdin/stdout. stdout carries protocol messages only, so whoever calls this must log to stderr.
 */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Readable, Writable } from 'node:stream';
import type { Runtime } from '../../engine/runtime.js';
import type { ExposesMcp } from '../../spec/types.js';
import type { RunningAdapter } from '../adapter.js';
import { createMcpServer } from './mcp-server.js';

export interface McpStdioOptions {
  /** Defaults: process.stdin and process.stdout. */
  readonly stdin?: Readable;
  readonly stdout?: Writable;
  readonly onError?: (err: unknown) => void;
  /** Called when the client closes the connection (stdin ends). */
  readonly onClose?: () => void;
}

export async function serveMcpStdio(
  adapter: ExposesMcp,
  runtime: Runtime,
  options: McpStdioOptions = {},
): Promise<RunningAdapter> {
  const server = createMcpServer(adapter, runtime, {
    ...(options.onError ? { onError: options.onError } : {}),
  });
  const transport = new StdioServerTransport(options.stdin, options.stdout);
  const stdin = options.stdin ?? process.stdin;
  // The transport does not notice a closed stdin by itself; the client going away ends the session.
  const onEnd = () => void server.close();
  stdin.once('end', onEnd);
  server.onclose = () => {
    stdin.off('end', onEnd);
    options.onClose?.();
  };
  await server.connect(transport);
  return {
    type: 'mcp',
    namespace: adapter.namespace,
    url: 'stdio:',
    stop: () => server.close(),
  };
}
