/**
 * Expands the paths given to `naftiko validate` into capability files.
 *
 * A file is taken as given. A folder is searched recursively for *.yaml, *.yml and *.json files
 * whose top level has a `naftiko` key (other YAML in the tree, such as CI configs, is skipped).
 * Anything else is treated as a glob pattern. A path that matches nothing is a usage error.
 */
import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import { NaftikoError } from '../errors.js';

const SPEC_EXTENSIONS = /\.(ya?ml|json)$/i;
const NAFTIKO_KEY = /^\uFEFF?\{?\s*(?:naftiko|"naftiko"|'naftiko')\s*:/m;

export async function findSpecFiles(inputs: readonly string[]): Promise<string[]> {
  return [...(await scanSpecFiles(inputs)).keys()];
}

/**
 * The same files, each with its text when the scan already read it (files found in a folder):
 * `naftiko validate` validates that text instead of reading every file a second time.
 */
export async function scanSpecFiles(
  inputs: readonly string[],
): Promise<Map<string, string | undefined>> {
  const found = new Map<string, string | undefined>();
  for (const input of inputs) {
    const info = await stat(input).catch(() => undefined);
    if (info?.isFile()) {
      const file = path.normalize(input);
      if (!found.has(file)) found.set(file, undefined);
    } else if (info?.isDirectory()) {
      const candidates = await glob(['**/*.{yaml,yml,json,YAML,YML,JSON}'], {
        cwd: input,
        ignore: ['**/node_modules/**', '**/.git/**'],
        dot: false,
      });
      const before = found.size;
      for (const rel of candidates.sort()) {
        const file = path.join(input, rel);
        if (found.has(file)) continue;
        const text = readText(file);
        if (hasNaftikoKey(file, text)) found.set(file, text);
      }
      if (found.size === before) {
        throw new NaftikoError(
          'USAGE_INVALID',
          `no capability file (with a top-level naftiko key) in ${input}`,
        );
      }
    } else if (isDynamicPattern(input)) {
      const matches = await glob([input], { ignore: ['**/node_modules/**'] });
      const specs = matches.filter((m) => SPEC_EXTENSIONS.test(m)).sort();
      if (specs.length === 0) {
        throw new NaftikoError('USAGE_INVALID', `no capability file matches ${input}`);
      }
      for (const m of specs) {
        const file = path.normalize(m);
        if (!found.has(file)) found.set(file, undefined);
      }
    } else {
      throw new NaftikoError('SPEC_NOT_FOUND', `no such file or folder: ${input}`);
    }
  }
  return found;
}

/**
 * Synchronous on purpose: one read after the other is what the scan does anyway, and a
 * synchronous read costs a fraction of fs/promises' readFile (open, stat, read and close each
 * through the thread pool), which showed in the profile of a large folder.
 */
function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/**
 * Top-level check: a line starting with `naftiko:` (YAML, cheap: parsing every YAML file of a
 * tree here would double the cost of validating it), or a top-level `"naftiko"` key (JSON).
 */
function hasNaftikoKey(file: string, text: string): boolean {
  if (file.toLowerCase().endsWith('.json')) {
    try {
      const value: unknown = JSON.parse(text);
      return value !== null && typeof value === 'object' && 'naftiko' in value;
    } catch {
      return /^\s*\{\s*"naftiko"\s*:/.test(text); // broken JSON that starts as a capability
    }
  }
  return NAFTIKO_KEY.test(text);
}
