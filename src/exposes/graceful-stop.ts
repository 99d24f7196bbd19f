/**
 * Graceful stop of a fastify adapter, shared by the adapters that serve plain HTTP. Keep-alive
 * connections would hold a closing server open until their timeout: once stopping begins, every
 * reply asks its client to close (`connection: close`), idle connections are closed at once, and
 * whatever is still open when the grace period ends is cut.
 */
import type { FastifyInstance } from 'fastify';

const closing = new WeakSet<FastifyInstance>();

/** Adds the hook that makes replies sent while stopping close their connection. */
export function closeConnectionsWhenStopping(app: FastifyInstance): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    if (closing.has(app)) reply.header('connection', 'close');
    return payload;
  });
}

/** Stops accepting connections and lets in-flight requests finish within `graceMs`. */
export async function stopGracefully(app: FastifyInstance, graceMs: number): Promise<void> {
  closing.add(app);
  app.server.closeIdleConnections();
  const deadline = setTimeout(() => app.server.closeAllConnections(), graceMs).unref();
  try {
    await app.close();
  } finally {
    clearTimeout(deadline);
  }
}
