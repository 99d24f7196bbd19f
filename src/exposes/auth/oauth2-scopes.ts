/**
 * The scopes an `oauth2` adapter requires, and whether a token grants them all. A token lists its
 * scopes in `scope`, a space-separated string (RFC 9068 §2.2.3, RFC 8693 §4.2), or in `scp`, an
 * array or a string (a widespread alternative); both are read.
 */
import { NaftikoError } from '../../errors.js';
import type { InboundAuthContext } from './inbound-auth.js';

/** RFC 6749 §3.3 scope-token: printable ASCII without space, `"` or `\`. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

export function declaredScopes(
  scopes: readonly string[] | undefined,
  ctx: InboundAuthContext,
): readonly string[] {
  for (const scope of scopes ?? []) {
    if (!SCOPE_TOKEN.test(scope)) {
      throw new NaftikoError(
        'AUTH_UNENFORCEABLE',
        `${ctx.label}: oauth2 scope "${scope}" is not a valid scope token (RFC 6749 §3.3)`,
        { details: { field: 'scopes' } },
      );
    }
  }
  return [...new Set(scopes ?? [])];
}

export function grantsAll(
  claims: Readonly<Record<string, unknown>>,
  required: readonly string[],
): boolean {
  if (required.length === 0) return true;
  const granted = new Set<string>();
  add(granted, claims.scope);
  add(granted, claims.scp);
  return required.every((scope) => granted.has(scope));
}

function add(granted: Set<string>, value: unknown): void {
  if (typeof value === 'string') {
    for (const scope of value.split(' ')) if (scope !== '') granted.add(scope);
  } else if (Array.isArray(value)) {
    for (const scope of value) if (typeof scope === 'string') granted.add(scope);
  }
}
