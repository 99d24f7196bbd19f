/**
 * The files a running capability depends on, for `naftiko run --watch`: the capability file, the
 * shared consumes files it imports, the files its `binds` read (`file://` locations), the files
 * of its `script` steps (read once per runtime) and the `--env-file`. MCP resource and prompt `location`s and skill folders are not listed: the
 * adapters read them on each request, so an edit there is served without a reload.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { filePath } from '../engine/bindings.js';
import { parseSource } from '../spec/source-document.js';
import type { Binding } from '../spec/types.js';
import type { LoadedCapability } from '../spec/validate.js';

export function watchedFiles(capability: LoadedCapability, envFile?: string): string[] {
  const file = path.resolve(capability.source.file);
  const baseDir = path.dirname(file);
  const files = new Set<string>([file]);
  for (const consumes of capability.consumes.values()) {
    if (consumes.importedAt !== undefined) files.add(path.resolve(consumes.source.file));
  }
  const binds: Binding[] = [
    ...(capability.doc.binds ?? []),
    ...(capability.doc.capability?.binds ?? []),
  ];
  for (const binding of binds) {
    if (binding.location?.startsWith('file://')) {
      files.add(path.resolve(filePath(binding.location, baseDir)));
    }
  }
  // A step without a location reads from the control adapter's management.scripting.defaultLocation.
  const control = capability.doc.capability?.exposes?.find((a) => a.type === 'control');
  const defaultLocation =
    control?.type === 'control' ? control.management?.scripting?.defaultLocation : undefined;
  for (const step of scriptSteps(capability.doc.capability, defaultLocation)) {
    const folder = filePath(step.location, baseDir);
    for (const name of [...(step.dependencies ?? []), step.file]) {
      files.add(path.resolve(folder, name));
    }
  }
  if (envFile !== undefined) files.add(path.resolve(envFile));
  return [...files];
}

interface ScriptStep {
  readonly location: string;
  readonly file: string;
  readonly dependencies?: readonly string[];
}

/** Every `script` step with a `file:///` location, wherever it is written. */
function scriptSteps(
  node: unknown,
  defaultLocation: string | undefined,
  found: ScriptStep[] = [],
): ScriptStep[] {
  if (Array.isArray(node)) {
    for (const item of node) scriptSteps(item, defaultLocation, found);
  } else if (node !== null && typeof node === 'object') {
    const step = node as Record<string, unknown>;
    const location = typeof step.location === 'string' ? step.location : defaultLocation;
    if (
      step.type === 'script' &&
      location?.startsWith('file://') === true &&
      typeof step.file === 'string'
    ) {
      found.push({
        location,
        file: step.file,
        ...(Array.isArray(step.dependencies)
          ? { dependencies: step.dependencies.filter((d): d is string => typeof d === 'string') }
          : {}),
      });
    }
    for (const value of Object.values(step)) scriptSteps(value, defaultLocation, found);
  }
  return found;
}

/**
 * The local files a capability file refers to as written, whether or not they exist or the file
 * is valid: its imports' `location`s and its binds' `file://` locations. A reload that failed
 * (say, on an import whose file is not written yet) watches them too, so that creating or fixing
 * one retries the reload. Unreadable or unparsable: none.
 */
export async function referencedFiles(file: string): Promise<string[]> {
  const absolute = path.resolve(file);
  const baseDir = path.dirname(absolute);
  let value: unknown;
  try {
    value = parseSource(absolute, await readFile(absolute, 'utf8')).value;
  } catch {
    return [];
  }
  const files = new Set<string>();
  const root = record(value);
  const capability = record(root?.capability);
  for (const entry of list(capability?.consumes)) {
    const location = record(entry)?.location;
    if (record(entry)?.import === undefined || typeof location !== 'string') continue;
    if (location.startsWith('file:')) {
      try {
        files.add(fileURLToPath(location));
      } catch {
        // Not a local file: nothing to watch.
      }
    } else if (!/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(location)) {
      files.add(path.resolve(baseDir, location));
    }
  }
  for (const binding of [...list(root?.binds), ...list(capability?.binds)]) {
    const location = record(binding)?.location;
    if (typeof location === 'string' && location.startsWith('file://')) {
      files.add(path.resolve(filePath(location, baseDir)));
    }
  }
  return [...files];
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
