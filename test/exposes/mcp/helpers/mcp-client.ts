/**
 * MCP test harness: validates a capability (inline YAML or a file), builds its runtime with
 * consumes blocks pointed at real upstreams on 127.0.0.1 port 0, and connects the real SDK
 * `Client` to the adapter's own stdio transport (`serveMcpStdio`) through in-memory streams. `closeMcp()` (afterEach)
 * closes every client, server, runtime and upstream opened since the last call.
 */
import { PassThrough } from 'node:stream';
import { createInterface } from 'node:readline';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { createRuntime } from '../../../../src/engine/runtime.js';
import type { Runtime } from '../../../../src/engine/runtime.js';
import { serveMcpStdio } from '../../../../src/exposes/mcp/mcp-stdio.js';
import type { ExposesMcp } from '../../../../src/spec/types.js';
import { createValidator } from '../../../../src/spec/validate.js';
import type { LoadedCapability } from '../../../../src/spec/validate.js';
import { startUpstream } from '../../../consumes/http/helpers/upstream.js';
import type { Handler, Upstream } from '../../../consumes/http/helpers/upstream.js';

export type { Handler, Upstream };
export { yaml } from '../../../helpers/validate.js';

const open: { close(): Promise<void> }[] = [];

export async function closeMcp(): Promise<void> {
  await Promise.all(
    open
      .splice(0)
      .reverse()
      .map((o) => o.close()),
  );
}

/** A real upstream (node:http, 127.0.0.1, port 0), closed by `closeMcp()`. */
export async function upstream(handler?: Handler): Promise<Upstream> {
  const server = await startUpstream(handler);
  open.push(server);
  return server;
}

/** Validates a capability, failing loudly on errors. */
export async function load(source: { file: string } | { text: string }): Promise<LoadedCapability> {
  const validator = createValidator();
  const result =
    'file' in source
      ? await validator.validateFile(source.file)
      : await validator.validateText('/tmp/inline-capability.yaml', source.text);
  if (result.capability === undefined) {
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    throw new Error(
      `invalid test capability:\n${errors.map((d) => `${d.line}:${d.column} ${d.rule} ${d.message}`).join('\n')}`,
    );
  }
  return result.capability;
}

export interface McpSetup {
  /** Consumes namespace → upstream (or URL); `*` applies to every namespace. */
  readonly upstreams?: Readonly<Record<string, Upstream | string>>;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly totalTimeoutMs?: number;
  /** Which MCP adapter (default: the first one). */
  readonly adapter?: string;
}

export interface McpHarness {
  readonly runtime: Runtime;
  readonly adapter: ExposesMcp;
}

/** The runtime and MCP adapter of a capability, closed by `closeMcp()`. */
export async function mcpRuntime(
  capability: LoadedCapability,
  setup: McpSetup = {},
): Promise<McpHarness> {
  const baseUris = new Map<string, string>();
  for (const [ns, target] of Object.entries(setup.upstreams ?? {})) {
    baseUris.set(ns, typeof target === 'string' ? target : target.url);
  }
  const runtime = createRuntime(capability, {
    baseUris,
    env: setup.env ?? {},
    connectTimeoutMs: 2_000,
    totalTimeoutMs: setup.totalTimeoutMs ?? 5_000,
  });
  open.push(runtime);
  const adapter = (capability.doc.capability?.exposes ?? []).find(
    (a): a is ExposesMcp =>
      a.type === 'mcp' && (setup.adapter === undefined || a.namespace === setup.adapter),
  );
  if (adapter === undefined) throw new Error('the test capability has no such MCP adapter');
  return { runtime, adapter };
}

/**
 * A real SDK client connected in memory to the adapter: the SDK's in-memory transport on the
 * client side, the engine's stdio transport (newline-delimited JSON on two streams) on the other.
 */
export async function mcpClient(
  capability: LoadedCapability,
  setup: McpSetup = {},
): Promise<McpHarness & { client: Client }> {
  const harness = await mcpRuntime(capability, setup);
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const server = await serveMcpStdio(harness.adapter, harness.runtime, { stdin, stdout });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  serverSide.onmessage = (message) => void stdin.write(`${JSON.stringify(message)}\n`);
  createInterface({ input: stdout }).on('line', (line) => {
    void serverSide.send(JSON.parse(line) as Parameters<typeof serverSide.send>[0]);
  });
  await serverSide.start();
  const client = new Client({ name: 'naftiko-test', version: '0.0.0' });
  await client.connect(clientSide);
  open.push(
    { close: () => client.close() },
    {
      close: async () => {
        await server.stop();
        stdin.end();
        stdout.end();
      },
    },
  );
  return { ...harness, client };
}

/** Calls a tool; the result typed as a tool result (content, isError, structuredContent). */
export async function call(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

/** The text of a result's single text content. */
export function text(result: CallToolResult): string {
  const [first] = result.content;
  if (result.content.length !== 1 || first?.type !== 'text') {
    throw new Error(`expected one text content, got ${JSON.stringify(result.content)}`);
  }
  return first.text;
}

/** The JSON-RPC error a request was answered with (the SDK client throws it as an McpError). */
export async function rpcError(promise: Promise<unknown>): Promise<McpError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof McpError) return err;
    throw err;
  }
  throw new Error('expected a JSON-RPC error');
}
