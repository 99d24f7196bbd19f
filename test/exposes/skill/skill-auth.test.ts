/**
 * A skill adapter that declares `authentication` is locked like the REST adapter: every route,
 * unknown paths included, answers 401 with the scheme's challenge until the right credential is
 * sent, and an app is never built open when its lock was not compiled.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime } from '../../../src/engine/runtime.js';
import { buildSkillApp } from '../../../src/exposes/skill/skill-adapter.js';
import { createValidator } from '../../../src/spec/validate.js';
import type { ExposesSkill } from '../../../src/spec/types.js';
import { rawGet } from './helpers/raw-get.js';
import { skillCapability } from './helpers/skill-capability.js';
import { serveSkills, stopServed } from './helpers/serve-skills.js';
import type { ServedSkills } from './helpers/serve-skills.js';
import { makeSkillTree, removeTrees } from './helpers/skill-tree.js';

const TOKEN = 'skill-catalogue-token-8d2f';
const LOCK = `{type: bearer, token: "${TOKEN}"}`;

let served: ServedSkills;
let base: string;

beforeAll(async () => {
  const tree = await makeSkillTree();
  served = await serveSkills(tree.capabilityFile, skillCapability(LOCK));
  base = served.urls.get('item-skills') ?? '';
});
afterAll(async () => {
  await stopServed();
  await removeTrees();
});

const PATHS = [
  '/skills',
  '/skills/fleet-ops',
  '/skills/fleet-ops/contents',
  '/skills/fleet-ops/contents/SKILL.md',
  '/skills/fleet-ops/download',
  '/skills/nope',
  '/not-a-route',
];

describe('skill adapter: inbound authentication', () => {
  it('refuses every path without the token, or with a wrong one', async () => {
    for (const target of PATHS) {
      const attempts: Record<string, string>[] = [{}, { authorization: `Bearer ${TOKEN}x` }];
      for (const headers of attempts) {
        const res = await rawGet(base, target, headers);
        expect(res.status, target).toBe(401);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(String(res.headers['www-authenticate'])).toMatch(/^Bearer realm="item-skills"/);
        expect(res.text()).not.toContain(TOKEN);
      }
    }
    expect(served.refusals.length).toBeGreaterThan(0);
    expect(served.refusals[0]).toMatchObject({ adapter: 'item-skills', scheme: 'bearer' });
  });

  it('answers with the token', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    expect((await rawGet(base, '/skills', auth)).status).toBe(200);
    expect((await rawGet(base, '/skills/fleet-ops/contents/SKILL.md', auth)).status).toBe(200);
    expect((await rawGet(base, '/skills/fleet-ops/download', auth)).status).toBe(200);
    expect((await rawGet(base, '/skills/nope', auth)).status).toBe(404);
  });

  it('buildSkillApp refuses to build a locked adapter without its compiled lock', async () => {
    const result = await createValidator().validateText(
      '/tmp/locked-skills.yaml',
      skillCapability(LOCK),
    );
    const capability = result.capability;
    if (capability === undefined) throw new Error('the capability should be valid');
    const runtime = createRuntime(capability, { env: {} });
    try {
      const adapter = capability.doc.capability?.exposes?.find(
        (a): a is ExposesSkill => a.type === 'skill',
      );
      if (adapter === undefined) throw new Error('no skill adapter');
      expect(() => buildSkillApp(adapter, runtime)).toThrow(
        expect.objectContaining({ code: 'AUTH_UNENFORCEABLE' }),
      );
    } finally {
      await runtime.close();
    }
  });
});
