/**
 * Listening addresses (contract §2, §9): no two network adapters on the same address and port,
 * at most one control adapter, and its port apart from every other adapter's (as the official
 * `naftiko-control-port-singleton-and-unique` rule requires).
 */
import type { Path } from '../diagnostic-sink.js';
import { exposes } from '../walk.js';
import type { SemanticRule } from './rule.js';

/** Where an adapter listens when `address` is absent: MCP and control default to localhost. */
export function defaultAddress(type: unknown): string {
  return type === 'mcp' || type === 'control' ? 'localhost' : '0.0.0.0';
}

export const WILDCARDS: ReadonlySet<string> = new Set(['0.0.0.0', '::']);
export const LOOPBACK: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '::1']);

/**
 * Whether a host name or address (as in `address`, or a URL's hostname) stays on this machine:
 * `localhost`, the whole 127.0.0.0/8 block (RFC 1122 §3.2.1.3) and `::1`, bracketed or not, in
 * any IPv6 spelling. No name resolution: other names are taken as reachable from outside.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || /^127(?:\.\d{1,3}){3}$/.test(h)) return true;
  if (!h.includes(':')) return false;
  try {
    // The URL parser writes an IPv6 literal in its shortest form (0:0:0:0:0:0:0:1 → [::1]).
    return new URL(`http://[${h}]/`).hostname === '[::1]';
  } catch {
    return false;
  }
}

/**
 * A listen address in one spelling: lower case, without brackets, an IPv6 literal in its
 * shortest form (`0:0:0:0:0:0:0:0` → `::`, `[::1]` → `::1`).
 */
export function canonicalAddress(address: string): string {
  const h = address.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (!h.includes(':')) return h;
  try {
    return new URL(`http://[${h}]/`).hostname.slice(1, -1);
  } catch {
    return h;
  }
}

/** Whether two listen addresses can collide on one port (either spelling of each). */
export function addressesOverlap(first: string, second: string): boolean {
  const a = canonicalAddress(first);
  const b = canonicalAddress(second);
  if (WILDCARDS.has(a) || WILDCARDS.has(b)) return true;
  if (LOOPBACK.has(a) && LOOPBACK.has(b)) return true;
  return a === b;
}

interface Listener {
  type: string;
  label: string;
  address: string;
  port: number;
  path: Path;
}

function listeners(doc: unknown): Listener[] {
  const found: Listener[] = [];
  for (const [adapter, path] of exposes(doc)) {
    if (typeof adapter.port !== 'number') continue; // MCP over stdio listens nowhere
    const type = String(adapter.type);
    found.push({
      type,
      label:
        typeof adapter.namespace === 'string'
          ? `${type} adapter "${adapter.namespace}"`
          : `${type} adapter`,
      address: typeof adapter.address === 'string' ? adapter.address : defaultAddress(type),
      port: adapter.port,
      path,
    });
  }
  return found;
}

export const portConflict: SemanticRule = {
  id: 'port-conflict',
  severity: 'error',
  summary: 'No two REST, MCP or skill adapters listen on the same address and port.',
  check(ctx, report) {
    const business = listeners(ctx.doc).filter((l) => l.type !== 'control');
    for (const [i, later] of business.entries()) {
      const clash = business
        .slice(0, i)
        .find((e) => e.port === later.port && addressesOverlap(e.address, later.address));
      if (clash) {
        report(
          `${later.label} listens on ${later.address}:${later.port}, already taken by ${clash.label} (${clash.address}:${clash.port})`,
          [...later.path, 'port'],
        );
      }
    }
  },
};

export const controlPort: SemanticRule = {
  id: 'control-port',
  severity: 'error',
  summary: 'At most one control adapter, on a port no other adapter uses.',
  check(ctx, report) {
    const all = listeners(ctx.doc);
    const controls = all.filter((l) => l.type === 'control');
    for (const extra of controls.slice(1)) {
      report('only one control adapter is allowed per capability', [...extra.path, 'type']);
    }
    const control = controls[0];
    if (control === undefined) return;
    for (const other of all.filter((l) => l.type !== 'control' && l.port === control.port)) {
      report(
        `control port ${control.port} is also used by ${other.label}; give the control adapter a port of its own`,
        [...control.path, 'port'],
      );
    }
  },
};
