/**
 * The fastify instance every network adapter starts from. Routes declare no fastify schemas:
 * inputs are checked by the engine and replies are serialised by the adapters. Fastify's own
 * schema compilers (Ajv and fast-json-stringify, loaded and built in its constructor: about
 * 30 ms of each start) are therefore replaced by factories that refuse to compile anything.
 * A URL the router cannot read gets a problem+json 400 that does not quote it.
 */
import Fastify from 'fastify';
import type { FastifyInstance, FastifyReply, FastifyServerOptions } from 'fastify';
import { NaftikoError } from '../errors.js';
import { PROBLEM_CONTENT_TYPE, problemFor } from './problem.js';

export function createHttpApp(options: FastifyServerOptions): FastifyInstance {
  return Fastify({
    logger: false,
    return503OnClosing: true,
    ...options,
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
}

function noSchemas(): () => never {
  return () => {
    throw new Error('fastify route schemas are not used by this engine');
  };
}
