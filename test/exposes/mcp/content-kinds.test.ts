/**
 * Rich tool results from the engine dialect's `content:` key on MCP tool outputs (issue 13,
 * "Binary and rich content"), and image prompts from a `location` image file. Real engine parts:
 * the capability is validated from YAML, its runtime built with a real upstream on 127.0.0.1
 * port 0, and the tools compiled and called as the MCP dispatcher calls them.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { createRuntime } from '../../../src/engine/runtime.js';
import type { Runtime } from '../../../src/engine/runtime.js';
import { callTool } from '../../../src/exposes/mcp/call-tool.js';
import { compilePrompts } from '../../../src/exposes/mcp/prompts.js';
import { compileTools } from '../../../src/exposes/mcp/tool-definitions.js';
import type { CompiledTool } from '../../../src/exposes/mcp/tool-definitions.js';
import type { ExposesMcp } from '../../../src/spec/types.js';
import { createValidator } from '../../../src/spec/validate.js';
import { startUpstream } from '../../consumes/http/helpers/upstream.js';
import type { Handler, Upstream } from '../../consumes/http/helpers/upstream.js';
import { yaml } from '../../helpers/validate.js';

/** The conformance suite's 1x1 PNG and a 44-byte WAV header. */
const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
const WAV = 'UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAEAfAAABAAgAZGF0YQAAAAA=';
const PDF = Buffer.from([0x25, 0x50, 0x44, 0x46, 0xe2, 0xe3, 0xcf, 0xd3]).toString('base64');
const SECRET = 'tok-very-secret-91ab';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

const dir = mkdtempSync(path.join(tmpdir(), 'naftiko-content-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Validates, builds the runtime (upstreams on loopback) and compiles the first MCP adapter. */
async function setup(
  text: string,
  upstreams: Record<string, Upstream> = {},
): Promise<{ runtime: Runtime; adapter: ExposesMcp; tools: Map<string, CompiledTool> }> {
  const file = path.join(dir, `capability-${open.length}-${Date.now()}.yaml`);
  writeFileSync(file, text);
  const result = await createValidator().validateFile(file);
  const capability = result.capability;
  if (capability === undefined) {
    throw new Error(
      result.diagnostics.map((d) => `${d.line}:${d.column} ${d.rule} ${d.message}`).join('\n'),
    );
  }
  const runtime = createRuntime(capability, {
    baseUris: new Map(Object.entries(upstreams).map(([ns, up]) => [ns, up.url])),
    env: { MEDIA_TOKEN: SECRET },
    connectTimeoutMs: 2_000,
    totalTimeoutMs: 5_000,
  });
  open.push(runtime);
  const adapter = capability.doc.capability?.exposes?.find(
    (a): a is ExposesMcp => a.type === 'mcp',
  ) as ExposesMcp;
  const tools = new Map(compileTools(adapter, runtime).map((t) => [t.definition.name, t]));
  return { runtime, adapter, tools };
}

async function upstream(handler: Handler): Promise<Upstream> {
  const up = await startUpstream(handler);
  open.push(up);
  return up;
}

async function run(
  ctx: Awaited<ReturnType<typeof setup>>,
  name: string,
  args: Record<string, unknown> = {},
): Promise<CallToolResult> {
  const tool = ctx.tools.get(name);
  if (tool === undefined) throw new Error(`no tool ${name}`);
  return callTool(tool, args, ctx.runtime);
}

const MOCKS = yaml`
  naftiko: 1.0.0-alpha2
  info:
    label: Content kinds
    description: Every content kind from mock outputs.
  binds:
    - namespace: env
      keys:
        MEDIA_TOKEN: MEDIA_TOKEN
  capability:
    exposes:
      - type: mcp
        namespace: content-mcp
        port: 9090
        description: Content kinds.
        tools:
          - name: image
            description: A 1x1 PNG.
            outputParameters:
              - name: data
                type: string
                content: image
                mimeType: image/png
                value: ${PNG}
          - name: audio
            description: A WAV.
            outputParameters:
              - name: data
                type: string
                content: audio
                mimeType: audio/wav
                value: ${WAV}
          - name: embedded-text
            description: An embedded text resource (default MIME type).
            outputParameters:
              - name: body
                type: string
                content: resource
                uri: test://embedded-resource
                value: This is an embedded resource content.
          - name: embedded-blob
            description: An embedded binary resource.
            outputParameters:
              - name: body
                type: string
                content: resource
                uri: test://report.pdf
                mimeType: application/pdf
                value: ${PDF}
          - name: link
            description: A resource link.
            inputParameters:
              - name: id
                type: string
                description: Which item.
            outputParameters:
              - name: item-link
                type: string
                content: resource_link
                mimeType: application/json
                value: test://items/{{id}}
          - name: mixed
            description: Text, image and resource.
            outputParameters:
              - name: text
                type: string
                content: text
                value: 'Multiple content types test:'
              - name: image
                type: string
                content: image
                mimeType: image/png
                value: ${PNG}
              - name: resource
                type: string
                content: resource
                uri: test://mixed-content-resource
                mimeType: application/json
                value: '{"test":"data","value":123}'
          - name: half-tagged
            description: Untagged outputs first as JSON, then the tagged ones.
            outputParameters:
              - name: count
                type: number
                value: '3'
              - name: picture
                type: string
                content: image
                mimeType: image/png
                value: ${PNG}
              - name: label
                type: string
                value: three
          - name: bad-base64
            description: Not base64.
            outputParameters:
              - name: data
                type: string
                content: image
                mimeType: image/png
                value: not base64!
          - name: secret-text
            description: A text holding a bound secret.
            outputParameters:
              - name: note
                type: string
                content: text
                value: 'token {{env.MEDIA_TOKEN}}'
          - name: plain
            description: No content kinds at all.
            outputParameters:
              - name: text
                type: string
                value: hello
              - name: count
                type: number
                value: '2'
`;

describe('content kinds from mock outputs', () => {
  it('an image output is one image content', async () => {
    const ctx = await setup(MOCKS);
    expect(await run(ctx, 'image')).toEqual({
      content: [{ type: 'image', data: PNG, mimeType: 'image/png' }],
    });
  });

  it('an audio output is one audio content', async () => {
    const ctx = await setup(MOCKS);
    expect(await run(ctx, 'audio')).toEqual({
      content: [{ type: 'audio', data: WAV, mimeType: 'audio/wav' }],
    });
  });

  it('a resource with a textual (default) MIME type embeds its text', async () => {
    const ctx = await setup(MOCKS);
    expect(await run(ctx, 'embedded-text')).toEqual({
      content: [
        {
          type: 'resource',
          resource: {
            uri: 'test://embedded-resource',
            mimeType: 'text/plain',
            text: 'This is an embedded resource content.',
          },
        },
      ],
    });
  });

  it('a resource with a binary MIME type embeds a base64 blob', async () => {
    const ctx = await setup(MOCKS);
    expect(await run(ctx, 'embedded-blob')).toEqual({
      content: [
        {
          type: 'resource',
          resource: { uri: 'test://report.pdf', mimeType: 'application/pdf', blob: PDF },
        },
      ],
    });
  });

  it('a resource link takes its URI from the value and its name from the parameter', async () => {
    const ctx = await setup(MOCKS);
    expect(await run(ctx, 'link', { id: '42' })).toEqual({
      content: [
        {
          type: 'resource_link',
          uri: 'test://items/42',
          name: 'item-link',
          mimeType: 'application/json',
        },
      ],
    });
  });

  it('mixed: text, image and resource blocks in declaration order', async () => {
    const ctx = await setup(MOCKS);
    expect(await run(ctx, 'mixed')).toEqual({
      content: [
        { type: 'text', text: 'Multiple content types test:' },
        { type: 'image', data: PNG, mimeType: 'image/png' },
        {
          type: 'resource',
          resource: {
            uri: 'test://mixed-content-resource',
            mimeType: 'application/json',
            text: '{"test":"data","value":123}',
          },
        },
      ],
    });
  });

  it('untagged outputs still give the JSON text (first) and structuredContent', async () => {
    const ctx = await setup(MOCKS);
    expect(await run(ctx, 'half-tagged')).toEqual({
      content: [
        { type: 'text', text: '{"count":3,"label":"three"}' },
        { type: 'image', data: PNG, mimeType: 'image/png' },
      ],
      structuredContent: { count: 3, label: 'three' },
    });
  });

  it('data that is not base64 is an isError result naming the output', async () => {
    const ctx = await setup(MOCKS);
    expect(await run(ctx, 'bad-base64')).toEqual({
      isError: true,
      content: [
        {
          type: 'text',
          text: 'tool bad-base64: output data (content: image): the value is not base64 data',
        },
      ],
    });
  });

  it('texts pass the redactor', async () => {
    const ctx = await setup(MOCKS);
    const result = await run(ctx, 'secret-text');
    expect(result).toEqual({ content: [{ type: 'text', text: 'token [redacted]' }] });
  });

  it('a tool without content kinds answers byte for byte as before, with no plan', async () => {
    const ctx = await setup(MOCKS);
    expect(ctx.tools.get('plain')).not.toHaveProperty('content');
    expect(JSON.stringify(await run(ctx, 'plain'))).toBe(
      '{"content":[{"type":"text","text":"{\\"text\\":\\"hello\\",\\"count\\":2}"}],"structuredContent":{"text":"hello","count":2}}',
    );
    expect(ctx.tools.get('mixed')?.content?.slots).toHaveLength(3);
  });
});

const media: Handler = (req, res) => {
  res.setHeader('content-type', 'application/json');
  if (req.path === '/photos/7') {
    return void res.end(
      JSON.stringify({
        caption: 'a pixel',
        png: PNG,
        page: 'https://media.example/photos/7',
        meta: { width: 1, height: 1 },
      }),
    );
  }
  if (req.path === '/photos/8') return void res.end(JSON.stringify({ caption: 'no png' }));
  res.statusCode = 404;
  res.end('{"error":"no such photo"}');
};

const MAPPED = yaml`
  naftiko: 1.0.0-alpha2
  info:
    label: Media
    description: Mapped content kinds from a real upstream.
  capability:
    consumes:
      - type: http
        namespace: media
        baseUri: http://media.invalid
        resources:
          - name: photo
            path: /photos/{{id}}
            operations:
              - name: get-photo
                method: GET
    exposes:
      - type: mcp
        namespace: media-mcp
        port: 9091
        description: Media tools.
        tools:
          - name: photo
            description: A photo, its caption and a link to its page.
            inputParameters:
              - name: id
                type: string
                description: Photo id.
            call: media.get-photo
            with:
              id: tools.id
            outputParameters:
              - type: string
                mapping: $.caption
              - type: string
                mapping: $.png
                content: image
                mimeType: image/png
              - type: string
                mapping: $.page
                content: resource_link
              - type: object
                mapping: $.meta
                content: resource
                uri: media://photos/meta
                mimeType: application/json
          - name: photo-record
            description: The whole upstream answer (an identity output) as an embedded resource.
            inputParameters:
              - name: id
                type: string
                description: Photo id.
            call: media.get-photo
            with:
              id: tools.id
            outputParameters:
              - type: object
                mapping: $
                content: resource
                uri: media://photos/record
                mimeType: application/json
`;

describe('content kinds from mapped outputs of a real upstream', () => {
  it('maps each output to its block, the untagged one as JSON text first', async () => {
    const up = await upstream(media);
    const ctx = await setup(MAPPED, { media: up });
    expect(await run(ctx, 'photo', { id: '7' })).toEqual({
      content: [
        { type: 'text', text: '"a pixel"' },
        { type: 'image', data: PNG, mimeType: 'image/png' },
        {
          type: 'resource_link',
          uri: 'https://media.example/photos/7',
          name: 'https://media.example/photos/7',
        },
        {
          type: 'resource',
          resource: {
            uri: 'media://photos/meta',
            mimeType: 'application/json',
            text: '{"width":1,"height":1}',
          },
        },
      ],
    });
    expect(up.last().path).toBe('/photos/7');
  });

  it('a mapped image the upstream left out is an isError result', async () => {
    const up = await upstream(media);
    const ctx = await setup(MAPPED, { media: up });
    const result = await run(ctx, 'photo', { id: '8' });
    expect(result.isError).toBe(true);
    expect(result.content).toEqual([
      {
        type: 'text',
        text: 'tool photo: output #1 (content: image): expected base64 data, got no value',
      },
    ]);
  });

  it('an identity output (the body passed through) is the value of its one block', async () => {
    const up = await upstream(media);
    const ctx = await setup(MAPPED, { media: up });
    const result = await run(ctx, 'photo-record', { id: '7' });
    expect(result.content).toHaveLength(1);
    const [only] = result.content;
    expect(only?.type === 'resource' && only.resource).toMatchObject({
      uri: 'media://photos/record',
      mimeType: 'application/json',
    });
    const text = only?.type === 'resource' && 'text' in only.resource ? only.resource.text : '';
    expect(JSON.parse(String(text))).toMatchObject({ caption: 'a pixel', png: PNG });
  });

  it('an upstream error is quoted as before', async () => {
    const up = await upstream(media);
    const ctx = await setup(MAPPED, { media: up });
    expect(await run(ctx, 'photo', { id: '9' })).toEqual({
      isError: true,
      content: [{ type: 'text', text: 'upstream answered 404: {"error":"no such photo"}' }],
    });
  });
});

describe('image prompts', () => {
  it('a prompt whose location is a PNG file is one user message with an image', async () => {
    writeFileSync(path.join(dir, 'pixel.png'), Buffer.from(PNG, 'base64'));
    writeFileSync(path.join(dir, 'ask.md'), 'Describe {{thing}}.');
    const ctx = await setup(yaml`
      naftiko: 1.0.0-alpha2
      info:
        label: Prompts
        description: An image prompt.
      capability:
        exposes:
          - type: mcp
            namespace: prompts-mcp
            port: 9092
            description: Prompts.
            tools:
              - name: noop
                description: Nothing.
                outputParameters:
                  - name: ok
                    type: boolean
                    value: 'true'
            prompts:
              - name: test_prompt_with_image
                label: Prompt with image
                description: An image to analyse.
                location: file:///./pixel.png
              - name: ask
                label: Ask
                description: A text prompt file.
                arguments:
                  - name: thing
                    description: What to describe.
                location: file:///./ask.md
    `);
    const prompts = compilePrompts(ctx.adapter, ctx.runtime);
    expect(await prompts.get('test_prompt_with_image', {})).toEqual({
      description: 'An image to analyse.',
      messages: [{ role: 'user', content: { type: 'image', data: PNG, mimeType: 'image/png' } }],
    });
    expect(await prompts.get('ask', { thing: 'the sea' })).toEqual({
      description: 'A text prompt file.',
      messages: [{ role: 'user', content: { type: 'text', text: 'Describe the sea.' } }],
    });
  });
});
