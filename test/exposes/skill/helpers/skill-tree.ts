/**
 * A skill folder on disk under os.tmpdir(), next to things it must never reveal: a secret file
 * and a folder outside it, reached from inside by symlinks. `removeTrees()` (afterAll) deletes
 * every tree made.
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const made: string[] = [];

export async function removeTrees(): Promise<void> {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

export const SECRET = 'outside-secret-5f1c';
/** Bytes that are not UTF-8 (a PNG signature and more): served and zipped as they are. */
export const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 255, 128, 7]);

/** Files of `skills/fleet-ops`, as the listing should show them (links excluded). */
export const FLEET_FILES: Readonly<Record<string, string | Buffer>> = {
  'SKILL.md': '# Fleet ops\n\nUse list-ships first.\n',
  'data/ships.json': '{"ships":["Aurora"]}\n',
  'scripts/check.py': 'print("ok")\n',
  'images/logo.png': PNG,
  notes: 'no extension\n',
  'deep/er/still/page.html': '<p>hi</p>\n',
};

export interface SkillTree {
  /** The temporary root; the capability file goes here. */
  readonly root: string;
  readonly capabilityFile: string;
}

export async function makeSkillTree(): Promise<SkillTree> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'naftiko-skill-'));
  made.push(root);
  await writeFile(path.join(root, 'outside-secret.txt'), SECRET);
  await mkdir(path.join(root, 'outside-dir'));
  await writeFile(path.join(root, 'outside-dir', 'creds.txt'), SECRET);
  const fleet = path.join(root, 'skills', 'fleet-ops');
  for (const [relative, content] of Object.entries(FLEET_FILES)) {
    await mkdir(path.dirname(path.join(fleet, relative)), { recursive: true });
    await writeFile(path.join(fleet, relative), content);
  }
  // A link that stays inside is a file of the skill; links that leave it are not.
  await symlink('SKILL.md', path.join(fleet, 'link-inside.md'));
  await symlink('../../outside-secret.txt', path.join(fleet, 'link-outside.txt'));
  await symlink(path.join(root, 'outside-secret.txt'), path.join(fleet, 'link-absolute.txt'));
  await symlink('../../outside-dir', path.join(fleet, 'dir-outside'));
  await mkdir(path.join(root, 'skills', 'empty'));
  return { root, capabilityFile: path.join(root, 'capability.yaml') };
}
