/**
 * MCP prompts (contract §8) with the real SDK client over an in-memory pair: `prompts/list`
 * (title = label, arguments required by default), `prompts/get` with `{{arg}}` substitution in
 * inline templates and in a `location` file (absolute and relative to the capability folder),
 * missing required arguments and unknown prompts as -32602.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeMcp, load, mcpClient, rpcError, yaml } from './helpers/mcp-client.js';

let dir: string;

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'naftiko-mcp-prompts-'));
  await fs.writeFile(path.join(dir, 'review.md'), 'Review {{topic}} for {{audience}}.{{unknown}}');
});
afterEach(async () => {
  await closeMcp();
  await fs.rm(dir, { recursive: true, force: true });
});

function capability(location: string): string {
  return yaml`
    naftiko: 1.0.0-alpha2
    info:
      label: Prompts
      description: Prompts behind MCP.
    capability:
      consumes:
        - type: http
          namespace: items
          baseUri: http://items.invalid
          resources:
            - name: items
              path: /items
              operations:
                - name: list-items
                  method: GET
      exposes:
        - type: mcp
          namespace: prompts-mcp
          port: 9090
          description: Prompts.
          tools:
            - name: list-items
              description: Every item.
              call: items.list-items
          prompts:
            - name: summarize
              label: Summarize
              description: Summarize a topic.
              arguments:
                - name: topic
                  description: What to summarize.
                - name: tone
                  description: The tone.
                  required: false
              template:
                - role: user
                  content: 'Summarize {{topic}} in a {{tone}} tone.'
                - role: assistant
                  content: 'Summary of {{topic}}:{{nope}}'
            - name: review
              label: Review
              description: Review from a file.
              arguments:
                - name: topic
                  description: What to review.
                - name: audience
                  description: For whom.
              location: ${location}
  `;
}

async function connect(location = pathToFileURL(path.join(dir, 'review.md')).href) {
  return mcpClient(await load({ text: capability(location) }));
}

describe('prompts: listing', () => {
  it('advertises prompts only when the adapter declares some', async () => {
    const { client } = await connect();
    expect(client.getServerCapabilities()?.prompts).toEqual({});
    expect(client.getServerCapabilities()?.resources).toBeUndefined();
  });

  it('lists name, title, description and arguments (required by default)', async () => {
    const { client } = await connect();
    const { prompts } = await client.listPrompts();
    expect(prompts).toEqual([
      {
        name: 'summarize',
        title: 'Summarize',
        description: 'Summarize a topic.',
        arguments: [
          { name: 'topic', description: 'What to summarize.', required: true },
          { name: 'tone', description: 'The tone.', required: false },
        ],
      },
      {
        name: 'review',
        title: 'Review',
        description: 'Review from a file.',
        arguments: [
          { name: 'topic', description: 'What to review.', required: true },
          { name: 'audience', description: 'For whom.', required: true },
        ],
      },
    ]);
  });
});

describe('prompts: get', () => {
  it('renders inline template messages with substitution (unknown names empty)', async () => {
    const { client } = await connect();
    const result = await client.getPrompt({
      name: 'summarize',
      arguments: { topic: 'tides', tone: 'dry' },
    });
    expect(result.messages).toEqual([
      { role: 'user', content: { type: 'text', text: 'Summarize tides in a dry tone.' } },
      { role: 'assistant', content: { type: 'text', text: 'Summary of tides:' } },
    ]);
  });

  it('renders an omitted optional argument as empty', async () => {
    const { client } = await connect();
    const result = await client.getPrompt({ name: 'summarize', arguments: { topic: 'tides' } });
    expect(result.messages[0]?.content).toEqual({
      type: 'text',
      text: 'Summarize tides in a  tone.',
    });
  });

  it('refuses missing required arguments, naming them', async () => {
    const { client } = await connect();
    const err = await rpcError(client.getPrompt({ name: 'review', arguments: {} }));
    expect(err.code).toBe(ErrorCode.InvalidParams);
    expect(err.message).toContain('topic, audience');
  });

  it('answers an unknown prompt with -32602', async () => {
    const { client } = await connect();
    const err = await rpcError(client.getPrompt({ name: 'nope' }));
    expect(err.code).toBe(ErrorCode.InvalidParams);
    expect(err.message).toContain('unknown prompt: nope');
  });

  it('reads a location file as one user message, with substitution', async () => {
    const { client } = await connect();
    const result = await client.getPrompt({
      name: 'review',
      arguments: { topic: 'the tide table', audience: 'sailors' },
    });
    expect(result.messages).toEqual([
      { role: 'user', content: { type: 'text', text: 'Review the tide table for sailors.' } },
    ]);
  });

  it('resolves a relative location against the capability file folder', async () => {
    const file = path.join(dir, 'capability.yaml');
    await fs.writeFile(file, capability('file:///./review.md'));
    const { client } = await mcpClient(await load({ file }));
    const result = await client.getPrompt({
      name: 'review',
      arguments: { topic: 'charts', audience: 'pilots' },
    });
    expect(result.messages[0]?.content).toEqual({
      type: 'text',
      text: 'Review charts for pilots.',
    });
  });
});
