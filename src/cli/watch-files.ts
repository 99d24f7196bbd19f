/**
 * The files a running capability depends on, for `naftiko run --watch`: the capability file, the
 * shared consumes files it imports, the files its `binds` read (`file://` locations), the files
 * of its `script` steps (read once per runtime) and the `--env-file`. MCP resource and prompt `location`s and skill folders are not listed: the
 * adapters read them on each request, so an edit there is served without a reload.
 */
import path from 'node:path';
import { filePath } from '../engine/bindings.js';
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
