/**
 * The fastify instance every network adapter starts from. Routes declare no fastify schemas:
 * inputs are checked by the engine and replies are serialised by the adapters. Fastify's own
 * schema compilers (Ajv and fast-json-stringify, loaded and built in its constructor: about
 * 30 ms of each start) are therefore replaced by factories that refuse to compile anything.
 */
import Fastify from 'fastify';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';

export function createHttpApp(options: FastifyServerOptions): FastifyInstance {
  return Fastify({
    logger: false,
    return503OnClosing: true,
    ...options,
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
