/**
 * Bound variables (contract §3): `binds[]` at the root and under `capability`.
 *
 * No `location`: the process environment, completed by `--env-file` (the environment wins, as
 * with dotenv). A `file://` location: a YAML, JSON or .env file, relative paths resolved against
 * the capability's folder (`file://./x`, `file:///./x` and `file://x` are relative; `file:///x`
 * is absolute). Other schemes are refused. Every value is treated as a secret: the runtime
 * redacts them from logs, errors and responses.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import jsYaml from 'js-yaml';
import { NaftikoError } from '../errors.js';
import type { Lookup } from '../spec/template.js';
import type { Binding, CapabilityDocument } from '../spec/types.js';

export interface BindingOptions {
  /** The capability file's folder, for relative `file://` locations. */
  readonly baseDir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Variables read from `--env-file`, used where the environment has none. */
  readonly envFile?: Readonly<Record<string, string>>;
}

export interface BoundVariables {
  /** Resolves `VAR` and `namespace.VAR`. */
  readonly lookup: Lookup;
  /** Every bound value, for redaction. */
  readonly secrets: readonly string[];
}

export function resolveBindings(doc: CapabilityDocument, options: BindingOptions): BoundVariables {
  const bindings: Binding[] = [...(doc.binds ?? []), ...(doc.capability?.binds ?? [])];
  const byName = new Map<string, string>();
  const secrets: string[] = [];
  for (const binding of bindings) {
    const source = providerValues(binding, options);
    for (const [variable, key] of Object.entries(binding.keys)) {
      const value = source(key);
      if (value === undefined) {
        throw new NaftikoError(
          'BINDING_UNRESOLVED',
          `bound variable ${variable} (binding "${binding.namespace}") has no value: ${describeProvider(binding, key)}`,
          { details: { variable, binding: binding.namespace } },
        );
      }
      byName.set(`${binding.namespace}.${variable}`, value);
      if (!byName.has(variable)) byName.set(variable, value);
      if (value !== '') secrets.push(value);
    }
  }
  return { lookup: (name) => byName.get(name), secrets };
}

function describeProvider(binding: Binding, key: string): string {
  return binding.location === undefined
    ? `environment variable ${key} is not set`
    : `key ${key} is missing from ${binding.location}`;
}

/** A reader of one provider's values by key. */
function providerValues(
  binding: Binding,
  options: BindingOptions,
): (key: string) => string | undefined {
  if (binding.location === undefined) {
    return (key) => options.env[key] ?? options.envFile?.[key];
  }
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(binding.location)?.[1];
  if (scheme !== 'file') {
    throw new NaftikoError(
      'BINDING_PROVIDER_UNSUPPORTED',
      `binding "${binding.namespace}": provider "${scheme ?? binding.location}://" is not supported (use the environment, --env-file, or a file:// location)`,
      { details: { binding: binding.namespace } },
    );
  }
  const file = filePath(binding.location, options.baseDir);
  let values: Record<string, unknown>;
  try {
    values = readValues(file);
  } catch (err) {
    throw new NaftikoError(
      'BINDING_UNRESOLVED',
      `binding "${binding.namespace}": cannot read ${binding.location} (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`,
      { details: { binding: binding.namespace } },
    );
  }
  return (key) => {
    const value = values[key];
    return value === undefined || value === null ? undefined : String(value);
  };
}

export function filePath(location: string, baseDir: string): string {
  const rest = location.slice('file://'.length);
  const relative = /^\/?\.\.?\//.test(rest)
    ? rest.replace(/^\//, '')
    : rest.startsWith('/')
      ? undefined
      : rest;
  return relative === undefined ? rest : path.resolve(baseDir, relative);
}

function readValues(file: string): Record<string, unknown> {
  const text = readFileSync(file, 'utf8');
  if (/\.env$|^\.env/.test(path.basename(file))) return parseEnv(text);
  const value: unknown = file.endsWith('.json')
    ? JSON.parse(text)
    : jsYaml.load(text, { schema: jsYaml.CORE_SCHEMA });
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw Object.assign(new Error('not a mapping'), { code: 'not a mapping of keys' });
  }
  return value as Record<string, unknown>;
}

/** Reads an `--env-file` (dotenv syntax). */
export function readEnvFile(file: string): Record<string, string> {
  try {
    return parseEnv(readFileSync(file, 'utf8')) as Record<string, string>;
  } catch (err) {
    throw new NaftikoError(
      'USAGE_INVALID',
      `cannot read --env-file ${file} (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`,
    );
  }
}
