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
import type { IncomingMessage } from 'node:http';
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
} from 'fastify';
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

/** Who each accepted request's credential identifies, when the scheme says (see principalOf). */
const principals = new WeakMap<IncomingMessage, string>();

/** The principal of an accepted request (OAuth 2.0: issuer and subject), if its scheme has one. */
export function principalOf(request: IncomingMessage): string | undefined {
  return principals.get(request);
}

export function mountAuthGuard(app: FastifyInstance, options: GuardOptions): void {
  const { authenticator } = options;
  for (const doc of authenticator.publicDocuments) {
    for (const path of doc.paths) {
      const url = routePath(path);
      if (url === undefined || app.hasRoute({ method: 'GET', url })) continue;
      // Exempt by route, not by URL text: what the router matched is what is public.
      app.get(url, { config: { [PUBLIC]: true } }, (_request, reply) => {
        reply.header('cache-control', 'max-age=3600').type(doc.contentType).send(doc.body);
      });
    }
  }
  const stripped = authenticator.credentialQueryParameters;
  // The lock lives as long as the app: closing the app (stop, or a failed listen) releases it.
  app.addHook('onClose', async () => authenticator.close?.());

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

  const finish = (
    request: FastifyRequest,
    reply: FastifyReply,
    done: HookHandlerDoneFunction,
    outcome: AuthOutcome,
  ) => {
    if (!outcome.ok) return refuse(request, reply, outcome);
    if (outcome.principal !== undefined) principals.set(request.raw, outcome.principal);
    if (stripped.length > 0) removeQueryParameters(request, stripped);
    done();
  };

  // Callback style, no closure per request on the synchronous path (bearer, apikey, basic,
  // digest): this hook runs on every request of a locked adapter.
  app.addHook('onRequest', (request, reply, done) => {
    // Routing is done when onRequest runs: only the public documents' own routes are exempt.
    const config = request.routeOptions.config as unknown as Record<string, unknown> | undefined;
    if (config?.[PUBLIC] === true) return done();
    let outcome: AuthOutcome | Promise<AuthOutcome>;
    try {
      // A fastify request is an AuthRequest (method, url as received, headers).
      outcome = authenticator.check(request);
    } catch (err) {
      return done(err as Error);
    }
    if (outcome instanceof Promise) {
      outcome.then(
        (result) => finish(request, reply, done, result),
        (err: Error) => done(err),
      );
    } else finish(request, reply, done, outcome);
  });
}

const PUBLIC = 'naftikoAuthPublic';

/**
 * The route of a public document's path: the router matches decoded paths, so the path is
 * decoded, and `:` (a parameter to the router) is escaped. A path the router would read as a
 * wildcard is not served (undefined).
 */
function routePath(path: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return undefined;
  }
  return decoded.includes('*') ? undefined : decoded.replace(/:/g, '::');
}

/**
 * Removes credential-carrying query parameters, so no handler sees or forwards them. The other
 * pieces of the query are kept byte for byte (re-encoding them could change their meaning).
 */
function removeQueryParameters(request: FastifyRequest, names: readonly string[]): void {
  const raw = request.raw.url ?? '/';
  const q = raw.indexOf('?');
  if (q < 0) return;
  const kept = raw
    .slice(q + 1)
    .split('&')
    .filter((piece) => !names.includes(queryName(piece)));
  request.raw.url = kept.length === 0 ? raw.slice(0, q) : `${raw.slice(0, q)}?${kept.join('&')}`;
  const query = request.query as Record<string, unknown> | undefined;
  if (query !== null && typeof query === 'object') {
    for (const name of names) delete query[name];
  }
}

/** The decoded name of one `name=value` piece of a query string. */
function queryName(piece: string): string {
  const eq = piece.indexOf('=');
  const name = (eq < 0 ? piece : piece.slice(0, eq)).replace(/\+/g, ' ');
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
}
