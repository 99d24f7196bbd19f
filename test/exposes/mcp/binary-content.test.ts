/**
 * Binary upstream answers over MCP (issue 13): a tool whose upstream answers `image/*` or
 * `audio/*` gives an `image` or `audio` content (base64 bytes, the MIME type) instead of UTF-8
 * text; a dynamic resource whose upstream answers bytes that are not text gives a base64 `blob`.
 * A real SDK client and a real upstream on 127.0.0.1 port 0.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { call, closeMcp, load, mcpClient, text, upstream, yaml } from './helpers/mcp-client.js';
import type { Handler } from './helpers/mcp-client.js';

afterEach(closeMcp);

// Bytes that are not valid UTF-8: a text content would have mangled them.
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0x00, 0xfe, 0x80]);
const WAV = Buffer.from([0x52, 0x49, 0x46, 0x46, 0xff, 0xfe, 0x00, 0x01]);
const PDF = Buffer.from([0x25, 0x50, 0x44, 0x46, 0xe2, 0xe3, 0xcf, 0xd3]);

const media: Handler = (req, res) => {
  const [type, body] =
    req.path === '/photo'
      ? ['image/png', PNG]
      : req.path === '/sound'
        ? ['audio/wav; rate=8000', WAV]
        : req.path === '/report'
          ? ['application/pdf', PDF]
          : req.path === '/drawing'
            ? ['image/svg+xml', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>')]
            : ['application/json', Buffer.from('{"ok":true}')];
  res.setHeader('content-type', type);
  res.end(body);
};

const CAPABILITY = yaml`
  naftiko: 1.0.0-alpha2
  info:
    label: Media
    description: Binary answers behind MCP.
  capability:
    consumes:
      - type: http
        namespace: media
        baseUri: http://media.invalid
        resources:
          - name: photo
            path: /photo
            operations:
              - name: get-photo
                method: GET
          - name: sound
            path: /sound
            operations:
              - name: get-sound
                method: GET
          - name: report
            path: /report
            operations:
              - name: get-report
                method: GET
          - name: drawing
            path: /drawing
            operations:
              - name: get-drawing
                method: GET
          - name: status
            path: /status
            operations:
              - name: get-status
                method: GET
    exposes:
      - type: mcp
        namespace: media-mcp
        port: 9090
        description: Media tools.
        tools:
          - name: photo
            description: The photo.
            call: media.get-photo
          - name: sound
            description: The sound.
            call: media.get-sound
          - name: drawing
            description: An SVG drawing (text).
            call: media.get-drawing
          - name: status
            description: JSON status.
            call: media.get-status
        resources:
          - name: report
            label: Report
            uri: reports://latest
            description: The latest report, a PDF.
            call: media.get-report
          - name: status
            label: Status
            uri: status://now
            description: The status, JSON.
            call: media.get-status
`;

async function connect() {
  const up = await upstream(media);
  return mcpClient(await load({ text: CAPABILITY }), { upstreams: { media: up } });
}

describe('binary upstream answers over MCP', () => {
  it('an image/* answer is an image content with its bytes and MIME type', async () => {
    const { client } = await connect();
    const result = await call(client, 'photo');
    expect(result.isError).toBeFalsy();
    expect(result.content).toEqual([
      { type: 'image', data: PNG.toString('base64'), mimeType: 'image/png' },
    ]);
    expect(result.structuredContent).toBeUndefined();
  });

  it('an audio/* answer is an audio content (parameters left off the MIME type)', async () => {
    const { client } = await connect();
    const result = await call(client, 'sound');
    expect(result.content).toEqual([
      { type: 'audio', data: WAV.toString('base64'), mimeType: 'audio/wav' },
    ]);
  });

  it('SVG and JSON stay text', async () => {
    const { client } = await connect();
    expect(text(await call(client, 'drawing'))).toContain('<svg');
    const status = await call(client, 'status');
    expect(JSON.parse(text(status))).toEqual({ ok: true });
    expect(status.structuredContent).toEqual({ ok: true });
  });

  it('a dynamic resource with bytes that are not text gives a base64 blob', async () => {
    const { client } = await connect();
    const report = await client.readResource({ uri: 'reports://latest' });
    expect(report.contents).toEqual([
      { uri: 'reports://latest', mimeType: 'application/pdf', blob: PDF.toString('base64') },
    ]);
    const status = await client.readResource({ uri: 'status://now' });
    expect(status.contents).toEqual([
      { uri: 'status://now', mimeType: 'application/json', text: '{"ok":true}' },
    ]);
  });
});
