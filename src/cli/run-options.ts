/** Parsing of `naftiko run`'s repeatable `<namespace>=<value>` options. */
import { NaftikoError } from '../errors.js';
import { addressesOverlap, defaultAddress } from '../spec/rules/ports.js';
import type { ExposesAdapter } from '../spec/types.js';
import type { LoadedCapability } from '../spec/validate.js';

/** Collects `ns=value` pairs (commander's repeatable-option reducer). */
export function collectPair(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function parsePairs(option: string, values: readonly string[] = []): Map<string, string> {
  const pairs = new Map<string, string>();
  for (const raw of values) {
    const eq = raw.indexOf('=');
    if (eq <= 0 || eq === raw.length - 1) {
      throw new NaftikoError(
        'USAGE_INVALID',
        `${option} expects <namespace>=<value> (or *=<value>), got "${raw}"`,
      );
    }
    pairs.set(raw.slice(0, eq), raw.slice(eq + 1));
  }
  return pairs;
}

export function parsePorts(values: readonly string[] = []): Map<string, number> {
  const ports = new Map<string, number>();
  for (const [namespace, raw] of parsePairs('--port', values)) {
    const port = Number(raw);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new NaftikoError(
        'USAGE_INVALID',
        `--port ${namespace}=${raw}: not a port number (0–65535)`,
      );
    }
    ports.set(namespace, port);
  }
  return ports;
}

export function parseBaseUris(values: readonly string[] = []): Map<string, string> {
  const uris = parsePairs('--base-uri', values);
  for (const [namespace, uri] of uris) {
    if (!/^https?:\/\/[^/\s]+/.test(uri)) {
      throw new NaftikoError('USAGE_INVALID', `--base-uri ${namespace}=${uri}: not an http(s) URL`);
    }
  }
  return uris;
}

export function parsePositiveInt(option: string, raw: string | undefined): number | undefined {
  return parseInteger(option, raw, 1, 'a positive integer');
}

/** 0 or a positive integer (0 turns a feature off). */
export function parseCount(option: string, raw: string | undefined): number | undefined {
  return parseInteger(option, raw, 0, '0 or a positive integer');
}

function parseInteger(
  option: string,
  raw: string | undefined,
  min: number,
  expected: string,
): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n) || n < min)
    throw new NaftikoError('USAGE_INVALID', `${option} expects ${expected}, got "${raw}"`);
  return n;
}

/** The value for a namespace: its own entry, else the `*` entry. */
export function forNamespace<T>(map: ReadonlyMap<string, T>, namespace: string): T | undefined {
  return map.get(namespace) ?? map.get('*');
}

/** The first override that names no namespace of the capabilities, described; or undefined. */
export function unknownNamespaces(
  capabilities: readonly LoadedCapability[],
  baseUris: ReadonlyMap<string, unknown>,
  ports: ReadonlyMap<string, unknown>,
  addresses: ReadonlyMap<string, unknown>,
): string | undefined {
  const consumes = new Set(capabilities.flatMap((c) => [...c.consumes.keys()]));
  const adapters = new Set(
    capabilities.flatMap((c) =>
      (c.doc.capability?.exposes ?? []).map((a) => ('namespace' in a ? a.namespace : 'control')),
    ),
  );
  const checks: [string, ReadonlyMap<string, unknown>, Set<string>, string][] = [
    ['--base-uri', baseUris, consumes, 'consumes'],
    ['--port', ports, adapters, 'adapter'],
    ['--address', addresses, adapters, 'adapter'],
  ];
  for (const [option, map, known, kind] of checks) {
    for (const namespace of map.keys()) {
      if (namespace !== '*' && !known.has(namespace)) {
        return `${option} ${namespace}: no ${kind} namespace "${namespace}" (known: ${[...known].join(', ') || 'none'})`;
      }
    }
  }
  return undefined;
}

/** Where one adapter of one capability file will listen, after `--port` and `--address`. */
export interface PlannedListener {
  readonly file: string;
  readonly type: string;
  /** The adapter's namespace (`control` for a control adapter). */
  readonly namespace: string;
  /** undefined: listens nowhere (MCP over stdio). */
  readonly port: number | undefined;
  readonly address: string;
}

/** Where an adapter listens once the overrides are applied (ports-and-addresses defaults). */
export function plannedListener(
  file: string,
  adapter: ExposesAdapter,
  ports: ReadonlyMap<string, number>,
  addresses: ReadonlyMap<string, string>,
): PlannedListener {
  const namespace = adapterNamespace(adapter);
  const stdio = adapter.type === 'mcp' && adapter.transport === 'stdio';
  return {
    file,
    type: adapter.type,
    namespace,
    port: stdio
      ? undefined
      : (forNamespace(ports, namespace) ??
        adapter.port ??
        (adapter.type === 'mcp' ? 0 : undefined)),
    address: forNamespace(addresses, namespace) ?? adapter.address ?? defaultAddress(adapter.type),
  };
}

export function adapterNamespace(adapter: ExposesAdapter): string {
  return 'namespace' in adapter ? adapter.namespace : 'control';
}

/**
 * The first clash among adapters served by one process, described (one line naming both files
 * and adapters), or undefined: two adapters named alike (an override by namespace could not
 * tell them apart; one control adapter per process), or listening on the same port of
 * overlapping addresses (port 0 never clashes). `ports: false` skips the port check (stdio mode).
 */
export function findClash(
  listeners: readonly PlannedListener[],
  checkPorts = true,
): string | undefined {
  for (const [i, later] of listeners.entries()) {
    for (const earlier of listeners.slice(0, i)) {
      if (earlier.namespace === later.namespace) {
        return `adapters clash on namespace "${later.namespace}": ${describe(earlier)} and ${describe(later)}${later.type === 'control' ? ' (one control adapter per process)' : ''}`;
      }
      if (
        checkPorts &&
        later.port !== undefined &&
        later.port !== 0 &&
        earlier.port === later.port &&
        overlap(earlier.address, later.address)
      ) {
        return `adapters clash on port ${later.port}: "${earlier.namespace}" (${earlier.file}) and "${later.namespace}" (${later.file})`;
      }
    }
  }
  return undefined;
}

function describe(l: PlannedListener): string {
  return `${l.type} adapter (${l.file})`;
}

/** Whether two listen addresses can collide on one port (spec/rules/ports.ts, the same test). */
export const overlap = addressesOverlap;
