/**
 * The authenticator an adapter starts with: the one `naftiko run` compiled before any adapter
 * listened, or, when an adapter is started on its own, one compiled here from its spec (so an
 * adapter that declares `authentication` never starts without it). Warmed up either way.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { NaftikoError } from '../../errors.js';
import { metrics } from '../../observability/metrics.js';
import type { Lookup } from '../../spec/template.js';
import type { Authentication } from '../../spec/types.js';
import { mountAuthGuard } from './guard.js';
import type { RefusalEvent } from './guard.js';
import { compileInboundAuth } from './inbound-auth.js';
import type { AuthRefusal, InboundAuthenticator } from './inbound-auth.js';

export interface AdapterAuthOptions {
  readonly authenticator?: InboundAuthenticator;
  readonly onWarning?: (event: string, message: string) => void;
}

interface Locked {
  readonly type: string;
  readonly namespace: string;
  readonly authentication?: Authentication;
}

/** `REST adapter "x"`, `MCP adapter "y"`: how messages name an adapter. */
export function adapterLabel(adapter: Pick<Locked, 'type' | 'namespace'>): string {
  const kind =
    adapter.type === 'rest' || adapter.type === 'mcp' ? adapter.type.toUpperCase() : adapter.type;
  return `${kind} adapter "${adapter.namespace}"`;
}

/** Compiles an adapter's declared authentication (AUTH_UNENFORCEABLE when it cannot be enforced). */
export async function compileAdapterAuth(
  adapter: Locked & { readonly authentication: Authentication },
  variables: Lookup,
  onWarning?: (event: string, message: string) => void,
): Promise<InboundAuthenticator> {
  return compileInboundAuth(adapter.authentication, {
    variables,
    label: adapterLabel(adapter),
    realm: adapter.namespace,
    ...(onWarning ? { warn: onWarning } : {}),
  });
}

export async function adapterAuthenticator(
  adapter: Locked,
  variables: Lookup,
  options: AdapterAuthOptions,
): Promise<InboundAuthenticator | undefined> {
  const authentication = adapter.authentication;
  const authenticator =
    options.authenticator ??
    (authentication === undefined
      ? undefined
      : await compileAdapterAuth({ ...adapter, authentication }, variables, options.onWarning));
  authenticator?.warmUp?.();
  return authenticator;
}

/**
 * Mounts the lock an adapter declares on its app (nothing when it declares none). An app is never
 * built open by omission: a declared `authentication` without its compiled authenticator is
 * AUTH_UNENFORCEABLE. `send` writes a refusal in the adapter's wire form.
 */
export function mountDeclaredAuth(
  app: FastifyInstance,
  adapter: Locked,
  options: {
    readonly authenticator?: InboundAuthenticator;
    readonly onRefused?: (event: RefusalEvent) => void;
  },
  send: (reply: FastifyReply, refusal: AuthRefusal) => unknown,
): void {
  if (adapter.authentication === undefined) return;
  if (options.authenticator === undefined) {
    throw new NaftikoError(
      'AUTH_UNENFORCEABLE',
      `${adapterLabel(adapter)}: its authentication was not compiled; refusing to build it open`,
    );
  }
  // Refusals are counted (metrics on) by adapter and code, never by credential or path.
  const recorder = metrics();
  const counted = recorder.enabled
    ? (reply: FastifyReply, refusal: AuthRefusal) => {
        recorder.recordRefusal(adapter.type, adapter.namespace, refusal.code);
        return send(reply, refusal);
      }
    : send;
  mountAuthGuard(app, {
    authenticator: options.authenticator,
    adapter: adapter.namespace,
    send: counted,
    ...(options.onRefused ? { onRefused: options.onRefused } : {}),
  });
}

/** A refusal as the problem+json answer of an HTTP adapter (`fail` maps errors to problems). */
export function refusalAsProblem(fail: (reply: FastifyReply, err: unknown) => unknown) {
  return (reply: FastifyReply, refusal: AuthRefusal) =>
    fail(reply, new NaftikoError(refusal.code, refusal.detail));
}
