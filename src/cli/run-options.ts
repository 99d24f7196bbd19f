/** Parsing of `naftiko run`'s repeatable `<namespace>=<value>` options. */
import { NaftikoError } from '../errors.js';

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
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0)
    throw new NaftikoError('USAGE_INVALID', `${option} expects a positive integer, got "${raw}"`);
  return n;
}

/** The value for a namespace: its own entry, else the `*` entry. */
export function forNamespace<T>(map: ReadonlyMap<string, T>, namespace: string): T | undefined {
  return map.get(namespace) ?? map.get('*');
}
