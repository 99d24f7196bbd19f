/**
 * The read-only routes of a skill adapter (contract §9):
 *
 *   GET /skills                       the catalogue: count, and each skill with its tool names
 *   GET /skills/{name}                one skill's metadata and tools
 *   GET /skills/{name}/contents       the files of its `location` folder (path, size, type)
 *   GET /skills/{name}/contents/{…}   one file's bytes
 *   GET /skills/{name}/download       the folder as a ZIP archive
 *
 * Every refusal is a 404 problem that names the skill and never the requested path or anything
 * about the disk: a path that leaves the folder reads exactly like one that does not exist.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { NaftikoError } from '../../errors.js';
import type { CompiledCatalogue, CompiledSkill } from './skill-catalogue.js';
import { contentTypeOf } from './content-type.js';
import { listFolder, openFileInside, openFolder } from './skill-folder.js';
import { zipStream } from './skill-zip.js';

const JSON_TYPE = 'application/json; charset=utf-8';

type Fail = (reply: FastifyReply, err: unknown) => FastifyReply;
type Params = { name: string; '*'?: string };

export function registerSkillRoutes(
  app: FastifyInstance,
  catalogue: CompiledCatalogue,
  fail: Fail,
): void {
  const skillOf = (request: FastifyRequest): CompiledSkill => {
    const { name } = request.params as Params;
    const skill = catalogue.skills.get(name);
    if (skill === undefined) throw new NaftikoError('ROUTE_NOT_FOUND', `no skill "${name}"`);
    return skill;
  };

  /** The real path of the skill's folder, or a 404 saying why there is none. */
  const folderOf = async (skill: CompiledSkill): Promise<string> => {
    if (skill.folder === undefined) {
      throw new NaftikoError(
        'ROUTE_NOT_FOUND',
        `skill "${skill.name}" declares no location: it has no contents to list or download`,
      );
    }
    const root = await openFolder(skill.folder);
    if (root === undefined) {
      throw new NaftikoError(
        'ROUTE_NOT_FOUND',
        `the location folder of skill "${skill.name}" is not available on this server`,
      );
    }
    return root;
  };

  app.get('/skills', async (_request, reply) =>
    reply.type(JSON_TYPE).send(catalogue.catalogueJson),
  );

  app.get('/skills/:name', async (request, reply) => {
    try {
      return reply.type(JSON_TYPE).send(skillOf(request).detailJson);
    } catch (err) {
      return fail(reply, err);
    }
  });

  app.get('/skills/:name/contents', async (request, reply) => {
    try {
      const skill = skillOf(request);
      const files = await listFolder(await folderOf(skill));
      const body = {
        name: skill.name,
        files: files.map((f) => ({ path: f.path, size: f.size, type: contentTypeOf(f.path) })),
      };
      return reply.type(JSON_TYPE).send(JSON.stringify(body));
    } catch (err) {
      return fail(reply, err);
    }
  });

  app.get('/skills/:name/contents/*', async (request, reply) => {
    try {
      const skill = skillOf(request);
      const root = await folderOf(skill);
      const opened = await openFileInside(root, (request.params as Params)['*'] ?? '');
      if (opened === undefined) {
        throw new NaftikoError('ROUTE_NOT_FOUND', `skill "${skill.name}" has no such file`);
      }
      const stream = opened.handle.createReadStream();
      return (
        reply
          .type(contentTypeOf(opened.name))
          .header('content-length', String(opened.size))
          .header('x-content-type-options', 'nosniff')
          // A skill's HTML or SVG opened in a browser runs no script against this origin.
          .header(
            'content-security-policy',
            "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:",
          )
          .send(stream)
      );
    } catch (err) {
      return fail(reply, err);
    }
  });

  app.get('/skills/:name/download', async (request, reply) => {
    try {
      const skill = skillOf(request);
      const files = await listFolder(await folderOf(skill));
      return reply
        .type('application/zip')
        .header('content-disposition', `attachment; filename="${fileName(skill.name)}.zip"`)
        .header('x-content-type-options', 'nosniff')
        .send(zipStream(files));
    } catch (err) {
      return fail(reply, err);
    }
  });
}

/** A skill name fit for a quoted `filename` (names are kebab-case; anything else is replaced). */
function fileName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_') || 'skill';
}

/** Paths the routes above answer (for 405 rather than 404 on other methods). */
export const SKILL_PATHS = /^\/skills(?:\/[^/]+(?:\/download|\/contents(?:\/.*)?)?)?\/?$/;
