/**
 * DNS-rebinding protection for the Streamable HTTP transport (MCP spec, "Security Warning":
 * servers MUST validate `Origin`; local servers SHOULD bind to localhost only). Done here rather
 * than through the SDK's deprecated `allowedHosts`/`allowedOrigins` options so it also knows the
 * real port when the adapter listens on port 0.
 *
 * Bound to a loopback address (`localhost`, any of 127.0.0.0/8, `::1`): `Host` must name
 * `localhost`, `127.0.0.1`, `[::1]` or the bound address itself, with our port, and an `Origin`,
 * when sent, must be such a host too. Bound elsewhere: an `Origin`, when sent, must be the same
 * host as `Host` (no cross-site browser calls).
 */
import { isLoopbackHost } from '../../spec/rules/ports.js';

/** The names of this machine a local client may put in `Host` (with the adapter's port). */
const LOOPBACK = ['localhost', '127.0.0.1', '[::1]'];

/** Returns why a request is refused, or undefined when it may pass. */
export type RequestGuard = (
  host: string | undefined,
  origin: string | undefined,
) => string | undefined;

export function requestGuard(address: string, port: () => number): RequestGuard {
  const loopback = isLoopbackHost(address);
  // The bound address as a Host names it (an IPv6 literal in brackets).
  const bound = address.includes(':') && !address.startsWith('[') ? `[${address}]` : address;
  const names = [...new Set([...LOOPBACK, bound.toLowerCase()])];
  let allowed: Set<string> | undefined;
  const allowedHosts = () =>
    (allowed ??= new Set(names.flatMap((h) => [`${h}:${port()}`, ...(port() === 80 ? [h] : [])])));
  return (host, origin) => {
    const hostValue = host?.toLowerCase();
    if (loopback && (hostValue === undefined || !allowedHosts().has(hostValue))) {
      return `Invalid Host header: ${host ?? '(none)'}`;
    }
    if (origin === undefined) return undefined;
    const originHost = hostOf(origin);
    const ok = loopback
      ? originHost !== undefined && allowedHosts().has(originHost)
      : originHost !== undefined && originHost === hostValue;
    return ok ? undefined : `Invalid Origin header: ${origin}`;
  };
}

/** `host[:port]` of an http(s) origin, lower-cased; undefined for `null` or anything else. */
function hostOf(origin: string): string | undefined {
  try {
    const url = new URL(origin);
    return url.protocol === 'http:' || url.protocol === 'https:'
      ? url.host.toLowerCase()
      : undefined;
  } catch {
    return undefined;
  }
}
