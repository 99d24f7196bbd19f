/**
 * Starts a fastify server of an adapter on its address and port, and says where it listens:
 * the base URL with the real port (when 0 was asked) and a host a client can reach (all
 * interfaces are shown as 127.0.0.1). A failure to listen is ADDRESS_IN_USE, naming the adapter.
 */
import type { FastifyInstance } from 'fastify';
import { NaftikoError } from '../errors.js';

export async function listenOn(
  app: FastifyInstance,
  label: string,
  host: string,
  port: number,
): Promise<string> {
  try {
    await app.listen({ host, port });
  } catch (err) {
    await app.close();
    const code = (err as NodeJS.ErrnoException).code;
    throw new NaftikoError(
      'ADDRESS_IN_USE',
      `${label} cannot listen on ${host}:${port} (${code ?? 'error'})`,
      { cause: err },
    );
  }
  const shownHost =
    host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `http://${shownHost}:${listeningPort(app, port)}`;
}

/** The port a started server listens on (the asked one until it listens). */
export function listeningPort(app: FastifyInstance, fallback: number): number {
  const address = app.server.address();
  return typeof address === 'object' && address !== null ? address.port : fallback;
}
