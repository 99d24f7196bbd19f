/**
 * The skill adapter (`type: skill`, contract §9): one fastify server per adapter serving a
 * read-only catalogue of skills — what each groups, which sibling REST or MCP adapter runs its
 * tools, and the files of its `location` folder. It never executes a tool. Inbound
 * authentication is the same guard the REST adapter mounts, before any route; errors leave as
 * problem+json (problem.ts).
 */
import path from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { NaftikoError } from '../../errors.js';
import type { Runtime } from '../../engine/runtime.js';
import type { ExposesSkill } from '../../spec/types.js';
import { replaceable } from '../adapter.js';
import type { ListenOptions, RunningAdapter } from '../adapter.js';
import { adapterAuthenticator, mountDeclaredAuth, refusalAsProblem } from '../auth/adapter-auth.js';
import type { RefusalEvent } from '../auth/guard.js';
import type { InboundAuthenticator } from '../auth/inbound-auth.js';
import { closeConnectionsWhenStopping, stopGracefully } from '../graceful-stop.js';
import { createHttpApp } from '../http-app.js';
import { listenOn } from '../listen.js';
import { metrics } from '../../observability/metrics.js';
import { mountRequestMetrics } from '../request-metrics.js';
import { PROBLEM_CONTENT_TYPE, problemFor } from '../problem.js';
import { compileCatalogue } from './skill-catalogue.js';
import { locationFolder, openFolder } from './skill-folder.js';
import { registerSkillRoutes, SKILL_PATHS } from './skill-routes.js';

export interface SkillAdapterOptions extends ListenOptions {
  /**
   * The adapter's compiled inbound authentication. Required when the adapter declares
   * `authentication` (startSkillAdapter compiles it): an app is never built open by omission.
   */
  readonly authenticator?: InboundAuthenticator;
  readonly onRefused?: (event: RefusalEvent) => void;
  /** Problems that do not stop the adapter (a missing `location` folder, OAuth 2.0 discovery). */
  readonly onWarning?: (event: string, message: string) => void;
  readonly onError?: (err: unknown) => void;
}

/** Builds the fastify app for an adapter (not listening yet): usable with `app.inject()`. */
export function buildSkillApp(
  adapter: ExposesSkill,
  runtime: Runtime,
  options: SkillAdapterOptions = {},
): FastifyInstance {
  const baseDir = path.dirname(path.resolve(runtime.capability.source.file));
  const siblings = runtime.capability.doc.capability?.exposes ?? [];
  const catalogue = compileCatalogue(adapter, siblings, baseDir);

  const app = createHttpApp({
    routerOptions: { ignoreTrailingSlash: true },
    limits: options.limits,
  });
  const fail = (reply: FastifyReply, err: unknown) => {
    const problem = problemFor(err, runtime.redact);
    if (problem.code === 'INTERNAL') options.onError?.(err);
    return reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem);
  };
  mountDeclaredAuth(app, adapter, options, refusalAsProblem(fail));
  closeConnectionsWhenStopping(app);
  app.setErrorHandler((err, _request, reply) => fail(reply, err));
  registerSkillRoutes(app, catalogue, fail);
  // Metrics on: requests by route template (`GET /skills/:name`...), never the skill or file.
  const recorder = metrics();
  if (recorder.enabled) mountRequestMetrics(app, recorder, 'skill', adapter.namespace);
  app.setNotFoundHandler((request, reply) => {
    const urlPath = request.url.split('?')[0] ?? '/';
    if (SKILL_PATHS.test(urlPath)) {
      reply.header('allow', 'GET, HEAD');
      return fail(
        reply,
        new NaftikoError(
          'METHOD_NOT_ALLOWED',
          `${request.method} is not allowed (allowed: GET, HEAD)`,
        ),
      );
    }
    return fail(reply, new NaftikoError('ROUTE_NOT_FOUND', 'no resource at this path'));
  });
  return app;
}

/** Starts an adapter's server on its address (default 0.0.0.0) and port (replaceable in place). */
export async function startSkillAdapter(
  adapter: ExposesSkill,
  runtime: Runtime,
  options: SkillAdapterOptions = {},
): Promise<RunningAdapter> {
  const app = await skillApp(adapter, runtime, options);
  const host = options.address ?? adapter.address ?? '0.0.0.0';
  const port = options.port ?? adapter.port;
  const url = await listenOn(app, `skill adapter "${adapter.namespace}"`, host, port);
  return replaceable(
    {
      type: 'skill',
      namespace: adapter.namespace,
      url,
      stop: (graceMs = 10_000) => stopGracefully(app, graceMs),
    },
    { app },
    async (next, nextRuntime, nextOptions) => ({
      app: await skillApp(next as ExposesSkill, nextRuntime, nextOptions as SkillAdapterOptions),
    }),
  );
}

async function skillApp(
  adapter: ExposesSkill,
  runtime: Runtime,
  options: SkillAdapterOptions,
): Promise<FastifyInstance> {
  const authenticator = await adapterAuthenticator(adapter, runtime.bound, options);
  // The app owns the lock once built (its onClose releases it, a failed listen included).
  const app = buildSkillApp(adapter, runtime, {
    ...options,
    ...(authenticator ? { authenticator } : {}),
  });
  await warnMissingFolders(adapter, runtime, options.onWarning);
  return app;
}

/** A declared `location` that is not a folder is served as 404s: say so once, at start. */
async function warnMissingFolders(
  adapter: ExposesSkill,
  runtime: Runtime,
  onWarning: SkillAdapterOptions['onWarning'],
): Promise<void> {
  if (onWarning === undefined) return;
  const baseDir = path.dirname(path.resolve(runtime.capability.source.file));
  for (const skill of adapter.skills) {
    if (skill.location === undefined) continue;
    if ((await openFolder(locationFolder(skill.location, baseDir))) === undefined) {
      onWarning(
        'skill.location.missing',
        `skill adapter "${adapter.namespace}": the location of skill "${skill.name}" (${skill.location}) is not a folder; its contents and download answer 404`,
      );
    }
  }
}
