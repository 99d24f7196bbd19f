/**
 * The fastify instance every network adapter starts from. Routes declare no fastify schemas:
 * inputs are checked by the engine and replies are serialised by the adapters. Fastify's own
 * schema compilers (Ajv and fast-json-stringify, loaded and built in its constructor: about
 * 30 ms of each start) are therefore replaced by factories that refuse to compile anything.
 * A URL the router cannot read gets a problem+json 400 that does not quote it. Every app gets the
 * inbound limits of http-limits.ts (URL length, head size, optional per-client rate).
 */
import Fastify from 'fastify';
import type { FastifyInstance, FastifyReply, FastifyServerOptions } from 'fastify';
import { NaftikoError } from '../errors.js';
import { clientErrorHandler, limitedServerFactory, resolveHttpLimits } from './http-limits.js';
import type { HttpLimits, RefusalWire } from './http-limits.js';
import { PROBLEM_CONTENT_TYPE, problemFor } from './problem.js';

export interface HttpAppOptions extends FastifyServerOptions {
  /** Inbound limits (else the defaults of http-limits.ts). */
  readonly limits?: Partial<HttpLimits> | undefined;
  /** The wire format of the limits' refusals: problem+json (default) or JSON-RPC (MCP). */
  readonly wire?: RefusalWire;
}

export function createHttpApp(options: HttpAppOptions = {}): FastifyInstance {
  const { limits: explicit, wire = 'problem', ...fastifyOptions } = options;
  const limits = resolveHttpLimits(explicit);
  const app = Fastify({
    logger: false,
    return503OnClosing: true,
    ...fastifyOptions,
    serverFactory: limitedServerFactory(limits, wire),
    // A path parameter longer than fastify's default 100 characters would silently match no
    // route (404): the URL and head limits bound parameters instead (a parameter can be no
    // longer than either, so routing never refuses a URL before the 414 check sees it).
    routerOptions: {
      maxParamLength: Math.max(limits.maxUrlLength, limits.maxHeaderSize),
      ...fastifyOptions.routerOptions,
    },
    clientErrorHandler: clientErrorHandler(wire, limits),
    // A URL the router cannot read (`/items%`) is refused before any hook runs; fastify's own
    // answer quotes the URL, query and any credential in it included: never echo it.
    frameworkErrors: (_error, _request, reply: FastifyReply) => {
      const problem = problemFor(
        new NaftikoError('INPUT_INVALID', 'the request URL is not valid'),
        (text) => text,
      );
      return reply.code(400).type(PROBLEM_CONTENT_TYPE).send(problem);
    },
    schemaController: {
      compilersFactory: { buildValidator: noSchemas, buildSerializer: noSchemas },
    },
  });
  return app;
}

function noSchemas(): () => never {
  return () => {
    throw new Error('fastify route schemas are not used by this engine');
  };
}
