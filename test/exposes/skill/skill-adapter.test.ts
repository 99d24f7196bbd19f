/**
 * The skill adapter over real HTTP on loopback, with a real skill folder on disk: the catalogue,
 * a skill's detail (derived tools point at their REST or MCP sibling, instruction tools at a
 * file), the folder listing, single files with their content types, the ZIP download, and every
 * way out of the folder refused as a plain 404.
 */
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawGet } from './helpers/raw-get.js';
import { skillCapability } from './helpers/skill-capability.js';
import { serveSkills, stopServed } from './helpers/serve-skills.js';
import { FLEET_FILES, makeSkillTree, removeTrees, SECRET } from './helpers/skill-tree.js';
import type { SkillTree } from './helpers/skill-tree.js';
import { zipEntries } from './helpers/zip-entries.js';

let tree: SkillTree;
let base: string;
let warnings: { event: string; message: string }[];

beforeAll(async () => {
  tree = await makeSkillTree();
  // One absolute location (the others are relative to the capability file).
  const text = skillCapability().replace(
    'file:///EMPTY',
    `file://${path.join(tree.root, 'skills', 'empty')}`,
  );
  const served = await serveSkills(tree.capabilityFile, text);
  base = served.urls.get('item-skills') ?? '';
  warnings = served.warnings;
});
afterAll(async () => {
  await stopServed();
  await removeTrees();
});

const get = (target: string) => rawGet(base, target);

function expectProblem(
  res: Awaited<ReturnType<typeof get>>,
  status: number,
  code: string,
): Record<string, unknown> {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const problem = res.json() as Record<string, unknown>;
  expect(problem.code).toBe(code);
  expect(problem.status).toBe(status);
  return problem;
}

describe('skill adapter: catalogue and detail', () => {
  it('GET /skills lists every skill with its tool names', async () => {
    const res = await get('/skills');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.json()).toEqual({
      count: 4,
      skills: [
        {
          name: 'fleet-ops',
          description: 'Fleet operations.',
          license: 'Apache-2.0',
          tools: ['list-items', 'get-items', 'read-guide'],
        },
        { name: 'bare', description: 'No location, no tools.', tools: [] },
        { name: 'empty', description: 'An empty folder.', tools: [] },
        { name: 'gone', description: 'A folder that does not exist.', tools: [] },
      ],
    });
    // A trailing slash is the same resource.
    expect((await get('/skills/')).status).toBe(200);
  });

  it('GET /skills/{name} gives metadata and each tool with its invocation', async () => {
    const res = await get('/skills/fleet-ops');
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({
      name: 'fleet-ops',
      description: 'Fleet operations.',
      license: 'Apache-2.0',
      compatibility: 'Any agent with HTTP.',
      'argument-hint': '[ship name]',
      'allowed-tools': 'list-items get-items',
      'user-invocable': true,
      'disable-model-invocation': false,
      metadata: { owner: 'fleet-team' },
      tools: [
        {
          name: 'list-items',
          description: 'Lists items over MCP.',
          type: 'derived',
          invocationRef: { targetNamespace: 'items-mcp', action: 'list-items', mode: 'mcp' },
        },
        {
          name: 'get-items',
          description: 'Gets items over REST.',
          type: 'derived',
          invocationRef: { targetNamespace: 'items-rest', action: 'get-items', mode: 'rest' },
        },
        {
          name: 'read-guide',
          description: 'How to run the fleet.',
          type: 'instruction',
          instruction: 'SKILL.md',
        },
      ],
    });
  });

  it('leaves undeclared fields out', async () => {
    expect((await get('/skills/bare')).json()).toEqual({
      name: 'bare',
      description: 'No location, no tools.',
      tools: [],
    });
  });

  it('an unknown skill, path or method is a problem', async () => {
    const unknown = expectProblem(await get('/skills/nope'), 404, 'ROUTE_NOT_FOUND');
    expect(unknown.detail).toBe('no skill "nope"');
    expectProblem(await get('/skills/nope/contents'), 404, 'ROUTE_NOT_FOUND');
    expectProblem(await get('/skills/nope/contents/SKILL.md'), 404, 'ROUTE_NOT_FOUND');
    expectProblem(await get('/skills/nope/download'), 404, 'ROUTE_NOT_FOUND');
    expectProblem(await get('/elsewhere'), 404, 'ROUTE_NOT_FOUND');
    const post = await rawGet(base, '/skills/fleet-ops', {}, 'POST');
    expectProblem(post, 405, 'METHOD_NOT_ALLOWED');
    expect(post.headers.allow).toBe('GET, HEAD');
  });
});

describe('skill adapter: contents', () => {
  it('lists the folder recursively: relative paths, sizes, types; links only if inside', async () => {
    const res = await get('/skills/fleet-ops/contents');
    expect(res.status).toBe(200);
    const body = res.json() as { name: string; files: { path: string; size: number }[] };
    expect(body.name).toBe('fleet-ops');
    const expected = [...Object.keys(FLEET_FILES), 'link-inside.md'].sort();
    expect(body.files.map((f) => f.path)).toEqual(expected);
    expect(body.files.find((f) => f.path === 'images/logo.png')).toEqual({
      path: 'images/logo.png',
      size: 12,
      type: 'image/png',
    });
    expect(body.files.find((f) => f.path === 'SKILL.md')).toEqual({
      path: 'SKILL.md',
      size: Buffer.byteLength(FLEET_FILES['SKILL.md'] as string),
      type: 'text/markdown; charset=utf-8',
    });
    expect(res.text()).not.toContain('outside');
  });

  it('a trailing slash is the same listing', async () => {
    const res = await get('/skills/fleet-ops/contents/');
    expect(res.status).toBe(200);
    expect((res.json() as { name: string }).name).toBe('fleet-ops');
  });

  it('an empty folder lists nothing', async () => {
    expect((await get('/skills/empty/contents')).json()).toEqual({ name: 'empty', files: [] });
  });

  it('serves files with their bytes and a content type from the extension', async () => {
    const cases: [string, string][] = [
      ['SKILL.md', 'text/markdown; charset=utf-8'],
      ['data/ships.json', 'application/json'],
      ['scripts/check.py', 'text/x-python; charset=utf-8'],
      ['images/logo.png', 'image/png'],
      ['notes', 'application/octet-stream'],
      ['deep/er/still/page.html', 'text/html; charset=utf-8'],
    ];
    for (const [file, type] of cases) {
      const res = await get(`/skills/fleet-ops/contents/${file}`);
      expect(res.status, file).toBe(200);
      expect(res.headers['content-type'], file).toBe(type);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.body.equals(Buffer.from(FLEET_FILES[file] as string | Buffer)), file).toBe(true);
    }
    // Percent-encoded names are decoded; a link that stays inside is served.
    expect((await get('/skills/fleet-ops/contents/data%2Fships.json')).status).toBe(200);
    const link = await get('/skills/fleet-ops/contents/link-inside.md');
    expect(link.text()).toBe(FLEET_FILES['SKILL.md']);
  });

  it('refuses every way out of the folder with the same 404', async () => {
    const attempts = [
      '../../outside-secret.txt',
      '..%2F..%2Foutside-secret.txt',
      '%2e%2e/%2e%2e/outside-secret.txt',
      '%2E%2E%2F%2E%2E%2Foutside-secret.txt',
      'data/../../../outside-secret.txt',
      '..\\..\\outside-secret.txt',
      '%2Fetc%2Fpasswd',
      '/etc/passwd',
      `${encodeURIComponent(path.join(tree.root, 'outside-secret.txt'))}`,
      'link-outside.txt',
      'link-absolute.txt',
      'dir-outside/creds.txt',
      './SKILL.md',
      'data//ships.json',
      'SKILL.md%00.png',
      'missing.md',
      'data',
    ];
    for (const attempt of attempts) {
      const res = await get(`/skills/fleet-ops/contents/${attempt}`);
      expect(res.status, attempt).toBe(404);
      expect(res.text(), attempt).not.toContain(SECRET);
      // Every refusal reads alike: no word on what exists, outside or in.
      const problem = res.json() as { code: string; detail: string };
      expect(problem, attempt).toMatchObject({
        code: 'ROUTE_NOT_FOUND',
        detail: 'skill "fleet-ops" has no such file',
      });
    }
  });

  it('a skill without a location, or whose folder is missing, has no contents (404)', async () => {
    const bare = expectProblem(await get('/skills/bare/contents'), 404, 'ROUTE_NOT_FOUND');
    expect(bare.detail).toBe(
      'skill "bare" declares no location: it has no contents to list or download',
    );
    expectProblem(await get('/skills/bare/contents/SKILL.md'), 404, 'ROUTE_NOT_FOUND');
    expectProblem(await get('/skills/bare/download'), 404, 'ROUTE_NOT_FOUND');
    const gone = expectProblem(await get('/skills/gone/contents'), 404, 'ROUTE_NOT_FOUND');
    expect(gone.detail).toBe('the location folder of skill "gone" is not available on this server');
    expect(String(gone.detail)).not.toContain(tree.root);
    expectProblem(await get('/skills/gone/download'), 404, 'ROUTE_NOT_FOUND');
    expect(warnings).toEqual([
      {
        event: 'skill.location.missing',
        message: expect.stringContaining('skill "gone" (file:///./skills/gone) is not a folder'),
      },
    ]);
  });
});

describe('skill adapter: download', () => {
  it('streams a ZIP of the folder, without the links that leave it', async () => {
    const res = await get('/skills/fleet-ops/download');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/zip');
    expect(res.headers['content-disposition']).toBe('attachment; filename="fleet-ops.zip"');
    const entries = zipEntries(res.body);
    expect([...entries.keys()].sort()).toEqual(
      [...Object.keys(FLEET_FILES), 'link-inside.md'].sort(),
    );
    for (const [name, content] of Object.entries(FLEET_FILES)) {
      expect(entries.get(name)?.equals(Buffer.from(content)), name).toBe(true);
    }
    expect(res.body.includes(Buffer.from(SECRET))).toBe(false);

    // A second opinion from Info-ZIP when it is installed (it checks every CRC).
    const unzip = spawnSync('unzip', ['-v'], { encoding: 'utf8' });
    if (unzip.status !== 0) return;
    const file = path.join(tree.root, 'download.zip');
    await writeFile(file, res.body);
    const tested = spawnSync('unzip', ['-t', file], { encoding: 'utf8' });
    expect(tested.status, tested.stdout).toBe(0);
    expect(tested.stdout).toContain('No errors detected');
  });

  it('an empty folder is an empty archive', async () => {
    const res = await get('/skills/empty/download');
    expect(res.status).toBe(200);
    expect(zipEntries(res.body).size).toBe(0);
  });
});
