/**
 * The skill adapters of the Shipyard tutorial's steps 7–11 (../shared/tutorial, read in place):
 * each step file is validated where it lives and only its skill adapter is started. Their skills
 * group the MCP tools of `shipyard-tools` and declare no `location`, so the catalogue and details
 * answer, and contents and download are a 404 that says why (guide part 2, "Remote discovery").
 */
import { afterAll, describe, expect, it } from 'vitest';
import { stepFile, tutorialAvailable } from '../../e2e/tutorial-support.js';
import { rawGet } from './helpers/raw-get.js';
import { serveSkills, stopServed } from './helpers/serve-skills.js';

afterAll(stopServed);

const FLEET_OPS = ['list-ships', 'get-ship', 'list-legacy-vessels', 'get-ship-with-crew'];
const VOYAGE_OPS: Record<number, string[]> = {
  7: ['create-voyage'],
  8: ['create-voyage'],
  9: ['create-voyage'],
  10: ['create-voyage'],
  11: ['create-voyage', 'get-voyage-manifest'],
};

describe.skipIf(!tutorialAvailable)('tutorial steps 7–11: the skill adapter', () => {
  for (const step of [7, 8, 9, 10, 11]) {
    it(`step ${step}: catalogue and details answer; no location means no contents`, async () => {
      const served = await serveSkills(stepFile(step));
      expect([...served.urls.keys()]).toEqual(['shipyard-skills']);
      expect(served.warnings).toEqual([]);
      const base = served.urls.get('shipyard-skills') ?? '';

      const catalogue = await rawGet(base, '/skills');
      expect(catalogue.status).toBe(200);
      expect(catalogue.json()).toEqual({
        count: 2,
        skills: [
          {
            name: 'fleet-ops',
            description: 'Fleet management — list, search, and inspect ships across all registries',
            tools: FLEET_OPS,
          },
          {
            name: 'voyage-ops',
            description: 'Voyage planning — create and manage voyages',
            tools: VOYAGE_OPS[step],
          },
        ],
      });

      for (const [skill, tools] of [
        ['fleet-ops', FLEET_OPS],
        ['voyage-ops', VOYAGE_OPS[step] ?? []],
      ] as const) {
        const detail = await rawGet(base, `/skills/${skill}`);
        expect(detail.status).toBe(200);
        const body = detail.json() as { name: string; tools: Record<string, unknown>[] };
        expect(body.name).toBe(skill);
        // Every tool is derived from the MCP adapter's tool of the same name.
        expect(body.tools.map((t) => [t.type, t.invocationRef])).toEqual(
          tools.map((action) => [
            'derived',
            { targetNamespace: 'shipyard-tools', action, mode: 'mcp' },
          ]),
        );
      }

      for (const target of [
        '/skills/fleet-ops/contents',
        '/skills/fleet-ops/contents/SKILL.md',
        '/skills/fleet-ops/download',
      ]) {
        const res = await rawGet(base, target);
        expect(res.status, target).toBe(404);
        expect(res.json()).toMatchObject({
          code: 'ROUTE_NOT_FOUND',
          detail: 'skill "fleet-ops" declares no location: it has no contents to list or download',
        });
      }
      await stopServed();
    });
  }
});
