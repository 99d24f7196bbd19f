/**
 * The engine dialect's content kinds on MCP tool outputs (`content`, `mimeType`, `uri`):
 * accepted at engine level with a `dialect-mcp-content` warning, an error under --strict (the
 * official schema rejects them), and schema errors with positions where they are misused.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { schemaErrors } from '../../src/spec/schema/schemas.js';
import { runCli } from '../helpers/cli.js';
import { brief, diagnose, yaml } from '../helpers/validate.js';

const head = yaml`
  naftiko: 1.0.0-alpha2
  info:
    label: Content
    description: Content kinds.
  capability:
    consumes:
      - type: http
        namespace: media
        baseUri: https://media.example
        resources:
          - name: photo
            path: /photo
            operations:
              - name: get-photo
                method: GET
    exposes:
`;

/** A document whose MCP adapter has `tools` (indented as list items under `tools:`). */
function mcp(tools: string, rest = ''): string {
  return `${head}      - type: mcp
        namespace: media-mcp
        port: 9090
        description: Media tools.
        tools:
${tools}${rest}`;
}

const TOOLS = `          - name: image
            description: A PNG.
            outputParameters:
              - name: data
                type: string
                content: image
                mimeType: image/png
                value: iVBORw0KGgo=
          - name: photo
            description: A mapped photo and its link.
            call: media.get-photo
            outputParameters:
              - type: string
                mapping: $.png
                content: image
                mimeType: image/png
              - type: string
                mapping: $.page
                content: resource_link
              - type: string
                mapping: $.caption
                content: resource
                uri: media://caption
`;

describe('dialect-mcp-content', () => {
  it('is accepted at engine level, one warning per tagged output, at its first key', async () => {
    const found = await diagnose(mcp(TOOLS));
    expect(found.filter((d) => d.severity === 'error')).toEqual([]);
    const dialect = found.filter((d) => d.rule === 'dialect-mcp-content');
    expect(dialect.map(brief)).toEqual([
      '27:17 warning dialect-mcp-content',
      '36:17 warning dialect-mcp-content',
      '40:17 warning dialect-mcp-content',
      '43:17 warning dialect-mcp-content',
    ]);
    expect(dialect[0]?.message).toBe(
      'MCP tool "image": `content`, `mimeType` on an output parameter (image) is engine dialect; alpha2 outputs carry no content kind',
    );
  });

  it('is an error under --strict, and the strict schema rejects the keys', async () => {
    const doc = mcp(TOOLS);
    const found = await diagnose(doc, true);
    expect(found.filter((d) => d.rule === 'dialect-mcp-content').map(brief)).toEqual([
      '27:17 error dialect-mcp-content',
      '36:17 error dialect-mcp-content',
      '40:17 error dialect-mcp-content',
      '43:17 error dialect-mcp-content',
    ]);
    const { parse } = await import('yaml');
    expect(schemaErrors('strict', parse(doc)).length).toBeGreaterThan(0);
    expect(schemaErrors('engine', parse(doc))).toEqual([]);
  });

  it('an image or audio output without mimeType is a schema error at the output', async () => {
    const found = await diagnose(
      mcp(`          - name: sound
            description: A sound.
            outputParameters:
              - name: data
                type: string
                content: audio
                value: UklGRg==
`),
    );
    expect(
      found.filter((d) => d.severity === 'error').map((d) => `${brief(d)} ${d.message}`),
    ).toEqual([
      '25:17 error schema `/capability/exposes/0/tools/0/outputParameters/0` is missing the required property `mimeType`',
    ]);
  });

  it('a resource output without uri is a schema error at the output', async () => {
    const found = await diagnose(
      mcp(`          - name: photo
            description: A photo.
            call: media.get-photo
            outputParameters:
              - type: string
                mapping: $.caption
                content: resource
`),
    );
    expect(
      found.filter((d) => d.severity === 'error').map((d) => `${brief(d)} ${d.message}`),
    ).toEqual([
      '26:17 error schema `/capability/exposes/0/tools/0/outputParameters/0` is missing the required property `uri`',
    ]);
  });

  it('an unknown content kind is a schema error at the value', async () => {
    const found = await diagnose(
      mcp(`          - name: film
            description: A film.
            outputParameters:
              - name: data
                type: string
                content: video
                mimeType: video/mp4
                value: AAAA
`),
    );
    const errors = found.filter((d) => d.severity === 'error');
    expect(errors.map(brief)).toEqual(['27:26 error schema']);
    expect(errors[0]?.message).toContain('must be one of: "text", "image", "audio", "resource"');
  });

  it('content on a REST output or a nested MCP output is an unknown property', async () => {
    const rest = `${head}      - type: rest
        namespace: media-rest
        port: 8080
        resources:
          - path: /photo
            description: The photo.
            operations:
              - method: GET
                call: media.get-photo
                outputParameters:
                  - type: string
                    mapping: $.png
                    content: image
                    mimeType: image/png
`;
    const restErrors = (await diagnose(rest)).filter((d) => d.severity === 'error');
    expect(restErrors.map((d) => `${brief(d)} ${d.message}`)).toEqual([
      '29:21 error schema unknown property `content` in `/capability/exposes/0/resources/0/operations/0/outputParameters/0`',
      '30:21 error schema unknown property `mimeType` in `/capability/exposes/0/resources/0/operations/0/outputParameters/0`',
    ]);

    const nested = mcp(`          - name: photo
            description: A photo.
            call: media.get-photo
            outputParameters:
              - type: object
                properties:
                  png:
                    type: string
                    mapping: $.png
                    content: image
                    mimeType: image/png
`);
    const nestedErrors = (await diagnose(nested)).filter((d) => d.severity === 'error');
    expect(nestedErrors.map(brief)).toEqual(['31:21 error schema', '32:21 error schema']);
    expect(nestedErrors[0]?.message).toMatch(/^unknown property `content`/);
  });

  it('mimeType or uri without content is a schema error', async () => {
    const found = await diagnose(
      mcp(`          - name: text
            description: A text.
            outputParameters:
              - name: text
                type: string
                mimeType: text/plain
                value: hi
`),
    );
    const errors = found.filter((d) => d.severity === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.rule).toBe('schema');
    expect(errors[0]?.line).toBe(25);
  });

  it('naftiko validate (built CLI): accepted, flagged by --strict, positioned error', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'naftiko-content-cli-'));
    try {
      const good = path.join(dir, 'good.yaml');
      writeFileSync(good, mcp(TOOLS));
      const accepted = await runCli(['validate', good]);
      expect(accepted.code).toBe(0);
      expect(accepted.stdout).toContain(`${good}:27:17 warning dialect-mcp-content`);

      const strict = await runCli(['validate', '--strict', good]);
      expect(strict.code).toBe(1);
      expect(strict.stdout).toContain(`${good}:27:17 error dialect-mcp-content`);

      const bad = path.join(dir, 'bad.yaml');
      writeFileSync(bad, mcp(TOOLS.replace('                mimeType: image/png\n', '')));
      const refused = await runCli(['validate', bad]);
      expect(refused.code).toBe(1);
      expect(refused.stdout).toContain(
        `${bad}:25:17 error schema \`/capability/exposes/0/tools/0/outputParameters/0\` is missing the required property \`mimeType\``,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
