/**
 * Compiles the inbound authentication of every adapter `naftiko run` is about to start, before
 * any of them listens: a declared scheme that cannot be enforced, or whose credential has no
 * value, stops the run (exit 2) with nothing served (contract §9, fail closed). Over stdio there
 * is no door to lock (the MCP client starts the process and owns its pipes): that is said once,
 * as a warning.
 */
import type { Runtime } from '../engine/runtime.js';
import { adapterLabel, compileAdapterAuth } from '../exposes/auth/adapter-auth.js';
import type { InboundAuthenticator } from '../exposes/auth/inbound-auth.js';
import type { ExposesAdapter } from '../spec/types.js';

/** Adapter types with an HTTP door. */
const SERVED = new Set(['rest', 'mcp', 'skill', 'control']);

export async function prepareInboundAuth(
  adapter: ExposesAdapter,
  runtime: Runtime,
  ctx: { readonly stdio: boolean; readonly warn: (event: string, message: string) => void },
): Promise<InboundAuthenticator | undefined> {
  const auth = adapter.authentication;
  if (auth === undefined || !SERVED.has(adapter.type)) return undefined;
  const namespace = 'namespace' in adapter ? adapter.namespace : adapter.type;
  const label = adapterLabel({ type: adapter.type, namespace });
  if (ctx.stdio) {
    if (adapter.type === 'mcp') {
      ctx.warn(
        'auth.stdio',
        `${label}: its ${auth.type} authentication is not enforced over stdio (the client that starts the process owns it)`,
      );
    }
    return undefined;
  }
  return compileAdapterAuth(
    { type: adapter.type, namespace, authentication: auth },
    runtime.bound,
    ctx.warn,
  );
}
