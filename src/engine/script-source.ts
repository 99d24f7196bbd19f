/**
 * Where a script step's code comes from (contract §9): `file` (and each of `dependencies`)
 * inside `location`, a `file:///` folder resolved like a binding's location (relative forms
 * against the capability's folder). A name that leads out of the folder, by `..`, an absolute
 * path or a symbolic link, is refused. Files are read at load, once per runtime.
 */
import { readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { NaftikoError } from '../errors.js';
import { filePath } from './bindings.js';
import type { ScriptSettings } from './script-config.js';

export interface ScriptSource {
  /** The name QuickJS reports in stack traces: the file as the step writes it. */
  readonly name: string;
  readonly code: string;
}

/** Reads `names` (dependencies first, then the step's file) from the `location` folder. */
export function readScriptSources(
  step: string,
  location: string,
  names: readonly string[],
  settings: ScriptSettings,
): ScriptSource[] {
  if (!location.startsWith('file://')) {
    throw refusal(step, `location "${location}" is not a file:/// folder`);
  }
  const folder = filePath(location, settings.baseDir);
  return names.map((name) => ({ name, code: readOnce(step, folder, name, location, settings) }));
}

function readOnce(
  step: string,
  folder: string,
  name: string,
  location: string,
  settings: ScriptSettings,
): string {
  const file = path.resolve(folder, name);
  if (path.isAbsolute(name) || !inside(folder, file)) {
    throw refusal(step, `file "${name}" is outside its location ${location}`);
  }
  const cached = settings.sources.get(file);
  if (cached !== undefined) return cached;
  let code: string;
  try {
    // A symbolic link inside the folder may still point out of it.
    if (!inside(realpathSync(folder), realpathSync(file))) {
      throw refusal(step, `file "${name}" is outside its location ${location}`);
    }
    code = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof NaftikoError) throw err;
    const reason = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw refusal(step, `cannot read file "${name}" from ${location} (${reason})`);
  }
  settings.sources.set(file, code);
  return code;
}

function inside(folder: string, file: string): boolean {
  const relative = path.relative(folder, file);
  return (
    relative !== '' &&
    relative !== '..' &&
    !relative.startsWith(`..${path.sep}`) &&
    !path.isAbsolute(relative)
  );
}

function refusal(step: string, reason: string): NaftikoError {
  return new NaftikoError('SPEC_INVALID', `script step "${step}": ${reason}`, {
    details: { step },
  });
}
