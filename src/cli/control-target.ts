/**
 * Which running engine the control commands (`naftiko health`, `status`, `metrics`) talk to: its
 * control adapter's address and port from `--address`/`--port`, else `NAFTIKO_CONTROL_ADDRESS`/
 * `NAFTIKO_CONTROL_PORT`, else the first control adapter declared by a capability file in the
 * current folder (searched as `naftiko validate .` does). The address defaults to localhost.
 */
import { readFile } from 'node:fs/promises';
import jsYaml from 'js-yaml';
import { NaftikoError } from '../errors.js';
import { findSpecFiles } from './find-spec-files.js';

export interface ControlTarget {
  readonly base: string;
  /** Where the port came from, for messages. */
  readonly source: string;
}

export interface ControlTargetOptions {
  readonly port?: string;
  readonly address?: string;
}

export async function resolveControlTarget(
  options: ControlTargetOptions,
  env: Readonly<Record<string, string | undefined>> = process.env,
  cwd = '.',
): Promise<ControlTarget> {
  const address = options.address ?? env.NAFTIKO_CONTROL_ADDRESS;
  const port = options.port ?? env.NAFTIKO_CONTROL_PORT;
  if (port !== undefined) {
    return {
      base: baseUrl(address ?? 'localhost', parsePort(port)),
      source: options.port ? '--port' : 'NAFTIKO_CONTROL_PORT',
    };
  }
  const declared = await firstDeclaredControl(cwd);
  if (declared === undefined) {
    throw new NaftikoError(
      'USAGE_INVALID',
      'no control adapter to talk to: give --port (or NAFTIKO_CONTROL_PORT), or run this in a folder whose capability declares a type: control adapter',
    );
  }
  return {
    base: baseUrl(address ?? declared.address ?? 'localhost', declared.port),
    source: declared.file,
  };
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new NaftikoError('USAGE_INVALID', `not a port: ${text}`);
  }
  return port;
}

function baseUrl(address: string, port: number): string {
  const host = address === '0.0.0.0' || address === '::' ? 'localhost' : address;
  return `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`;
}

async function firstDeclaredControl(
  cwd: string,
): Promise<{ file: string; port: number; address?: string } | undefined> {
  let files: string[];
  try {
    files = await findSpecFiles([cwd]);
  } catch {
    return undefined;
  }
  for (const file of files) {
    let doc: unknown;
    try {
      doc = jsYaml.load(await readFile(file, 'utf8'));
    } catch {
      continue;
    }
    const exposes = (doc as { capability?: { exposes?: unknown } } | null)?.capability?.exposes;
    if (!Array.isArray(exposes)) continue;
    for (const adapter of exposes as Record<string, unknown>[]) {
      if (adapter?.type !== 'control' || typeof adapter.port !== 'number') continue;
      return {
        file,
        port: adapter.port,
        ...(typeof adapter.address === 'string' ? { address: adapter.address } : {}),
      };
    }
  }
  return undefined;
}
