/**
 * Mounts an adapter's inbound authenticator on its fastify app, before anything else happens to
 * a request: the check runs in an `onRequest` hook, so a refused request has its body left
 * unread, creates no MCP session and reaches no upstream (issue 9). Every route is behind it,
 * unknown paths too (a 401 rather than a 404 reveals nothing of the routes), except the public
 * documents the scheme asks for (RFC 9728 protected-resource metadata), served as they are.
 *
 * Refusals leave through the adapter's own wire form (problem+json for REST, a JSON-RPC error for
 * MCP) with the scheme's `WWW-Authenticate` challenges, and are reported once each to
 * `onRefused` (adapter, scheme, reason, peer address; never the credential).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthOutcome, AuthRefusal, InboundAuthenticator, Scheme } from './inbound-auth.js';

export interface RefusalEvent {
  readonly adapter: string;
  readonly scheme: Scheme;
  readonly status: number;
  readonly reason: string;
  readonly remoteAddress: string | undefined;
}

export interface GuardOptions {
  readonly authenticator: InboundAuthenticator;
  /** The adapter's namespace, for refusal events. */
  readonly adapter: string;
  /** Sends a refusal in the adapter's wire form (status and challenges are already set). */
  readonly send: (reply: FastifyReply, refusal: AuthRefusal) => unknown;
  readonly onRefused?: (event: RefusalEvent) => void;
}

export function mountAuthGuard(app: FastifyInstance, options: GuardOptions): void {
  const { authenticator } = options;
  const publicPaths = new Set<string>();
  for (const doc of authenticator.publicDocuments) {
    for (const path of doc.paths) {
      publicPaths.add(path);
      app.get(path, (_request, reply) => {
        reply.header('cache-control', 'max-age=3600').type(doc.contentType).send(doc.body);
      });
    }
  }
  const stripped = authenticator.credentialQueryParameters;

  const refuse = (request: FastifyRequest, reply: FastifyReply, refusal: AuthRefusal) => {
    reply.code(refusal.status);
    if (refusal.challenges.length > 0) reply.header('www-authenticate', [...refusal.challenges]);
    if (refusal.retryAfter !== undefined) reply.header('retry-after', String(refusal.retryAfter));
    reply.header('cache-control', 'no-store');
    options.onRefused?.({
      adapter: options.adapter,
      scheme: authenticator.scheme,
      status: refusal.status,
      reason: refusal.reason,
      remoteAddress: request.socket.remoteAddress,
    });
    options.send(reply, refusal);
  };

  app.addHook('onRequest', (request, reply, done) => {
    if (publicPaths.size > 0 && (request.method === 'GET' || request.method === 'HEAD')) {
      const q = request.url.indexOf('?');
      if (publicPaths.has(q < 0 ? request.url : request.url.slice(0, q))) return done();
    }
    let outcome: AuthOutcome | Promise<AuthOutcome>;
    try {
      outcome = authenticator.check({
        method: request.method,
        url: request.url,
        headers: request.headers,
        remoteAddress: request.socket.remoteAddress,
      });
    } catch (err) {
      return done(err as Error);
    }
    const settle = (result: AuthOutcome) => {
      if (!result.ok) return refuse(request, reply, result);
      if (stripped.length > 0) removeQueryParameters(request, stripped);
      done();
    };
    if (outcome instanceof Promise) outcome.then(settle, (err: Error) => done(err));
    else settle(outcome);
  });
}

/** Removes credential-carrying query parameters, so no handler sees or forwards them. */
function removeQueryParameters(request: FastifyRequest, names: readonly string[]): void {
  const raw = request.raw.url ?? '/';
  const q = raw.indexOf('?');
  if (q < 0) return;
  const params = new URLSearchParams(raw.slice(q + 1));
  for (const name of names) params.delete(name);
  const rest = params.toString();
  request.raw.url = rest === '' ? raw.slice(0, q) : `${raw.slice(0, q)}?${rest}`;
  const query = request.query as Record<string, unknown> | undefined;
  if (query !== null && typeof query === 'object') {
    for (const name of names) delete query[name];
  }
}
