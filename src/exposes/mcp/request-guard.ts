/**
 * DNS-rebinding protection for the Streamable HTTP transport (MCP spec, "Security Warning":
 * servers MUST validate `Origin`; local servers SHOULD bind to localhost only). Done here rather
 * than through the SDK's deprecated `allowedHosts`/`allowedOrigins` options so it also knows the
 * real port when the adapter listens on port 0.
 *
 * Bound to a loopback address: `Host` must name a loopback host with our port, and an `Origin`,
 * when sent, must be such a host too. Bound elsewhere: an `Origin`, when sent, must be the same
 * host as `Host` (no cross-site browser calls).
 */
const LOOPBACK = ['localhost', '127.0.0.1', '[::1]'];

export function isLoopback(address: string): boolean {
  return ['localhost', '127.0.0.1', '::1', '[::1]'].includes(address.toLowerCase());
}

/** Returns why a request is refused, or undefined when it may pass. */
export type RequestGuard = (
  host: string | undefined,
  origin: string | undefined,
) => string | undefined;

export function requestGuard(address: string, port: () => number): RequestGuard {
  const loopback = isLoopback(address);
  let allowed: Set<string> | undefined;
  const allowedHosts = () =>
    (allowed ??= new Set(
      LOOPBACK.flatMap((h) => [`${h}:${port()}`, ...(port() === 80 ? [h] : [])]),
    ));
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
