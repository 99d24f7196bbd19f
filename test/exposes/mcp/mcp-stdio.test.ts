/**
 * The stdio transport (contract §8, `transport: stdio`): newline-delimited JSON-RPC on the given
 * streams — here in-memory pipes standing in for stdin and stdout — and the session ending when
 * stdin does.
 */
import { PassThrough } from 'node:stream';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { serveMcpStdio } from '../../../src/exposes/mcp/mcp-stdio.js';
import { closeMcp, load, mcpRuntime, upstream, yaml } from './helpers/mcp-client.js';

afterEach(closeMcp);

const CAPABILITY = yaml`
  naftiko: 1.0.0-alpha2
  info:
    label: Echo
    description: One tool.
  capability:
    consumes:
      - type: http
        namespace: echo
        baseUri: http://echo.invalid
        resources:
          - name: ping
            path: /ping
            operations:
              - name: ping
                method: GET
    exposes:
      - type: mcp
        namespace: echo-mcp
        transport: stdio
        description: Echo over stdio.
        tools:
          - name: ping
            description: Pings.
            call: echo.ping
`;

/** Reads newline-delimited JSON messages from a stream, one promise per message. */
function reader(stream: PassThrough) {
  const queue: unknown[] = [];
  const waiting: ((m: unknown) => void)[] = [];
  let buffer = '';
  stream.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    let nl: number;
    while ((nl = buffer.indexOf('\n')) !== -1) {
      const message = JSON.parse(buffer.slice(0, nl)) as unknown;
      buffer = buffer.slice(nl + 1);
      const next = waiting.shift();
      if (next) next(message);
      else queue.push(message);
    }
  });
  return () =>
    new Promise<unknown>((resolve) => {
      if (queue.length > 0) resolve(queue.shift());
      else waiting.push(resolve);
    });
}

describe('MCP over stdio', () => {
  it('answers JSON-RPC lines on stdout and ends with stdin', async () => {
    const up = await upstream();
    const { adapter, runtime } = await mcpRuntime(await load({ text: CAPABILITY }), {
      upstreams: { echo: up },
    });
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const next = reader(stdout);
    let closed = false;
    await serveMcpStdio(adapter, runtime, { stdin, stdout, onClose: () => (closed = true) });
    const send = (m: unknown) => stdin.write(`${JSON.stringify(m)}\n`);

    send({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: LATEST_PROTOCOL_VERSION,
        capabilities: {},
        clientInfo: { name: 'raw', version: '0' },
      },
    });
    expect(await next()).toMatchObject({
      id: 1,
      result: {
        serverInfo: { name: 'echo-mcp' },
        instructions: 'Echo over stdio.',
        capabilities: { tools: {} },
      },
    });
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'ping', arguments: {} } });
    expect(await next()).toMatchObject({
      id: 2,
      result: { content: [{ type: 'text', text: '{"ok":true}' }], structuredContent: { ok: true } },
    });
    expect(up.requests).toHaveLength(1);

    stdin.end();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(closed).toBe(true);
  });
});
