/**
 * Reads an OpenAPI description from disk (YAML or JSON), checks that it is one (a top-level
 * `openapi: 3.x` or `swagger: "2.0"`), and resolves its local `$ref`s with @readme/openapi-parser
 * (loaded on demand). Circular references are left as `$ref`s (the importer reads their target one
 * level deep); external references are refused. Every failure is a one-line NaftikoError.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import yaml from 'js-yaml';
import { NaftikoError } from '../errors.js';
import { isRecord } from './openapi-model.js';
import type { Json } from './openapi-model.js';

const EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/** The parsed file, or a reason it is not an OpenAPI description. */
async function readDocument(file: string): Promise<Json | string> {
  let textContent: string;
  try {
    textContent = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new NaftikoError('SPEC_NOT_FOUND', `no such file: ${file}`);
    throw new NaftikoError('USAGE_INVALID', `cannot read ${file}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = file.endsWith('.json') ? JSON.parse(textContent) : yaml.load(textContent);
  } catch (err) {
    const first = ((err as Error).message.split('\n')[0] ?? '').trim();
    return `not YAML or JSON (${first})`;
  }
  if (!isRecord(parsed)) return 'not an OpenAPI description (no top-level mapping)';
  const openapi = parsed.openapi;
  const swagger = parsed.swagger;
  if (typeof openapi === 'string' && /^3\.[01]\./.test(openapi)) return parsed;
  if (swagger === '2.0' || swagger === 2) return { ...parsed, swagger: '2.0' };
  if (openapi !== undefined)
    return `OpenAPI version ${String(openapi)} is not supported (OpenAPI 3.0, OpenAPI 3.1 and Swagger 2.0 are)`;
  if (swagger !== undefined)
    return `Swagger version ${String(swagger)} is not supported (OpenAPI 3.0, OpenAPI 3.1 and Swagger 2.0 are)`;
  return 'not an OpenAPI description (no `openapi` or `swagger` key)';
}

function externalRefs(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) for (const item of node) externalRefs(item, found);
  else if (isRecord(node)) {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && !value.startsWith('#')) found.push(value);
      else if (key !== 'example' && key !== 'examples') externalRefs(value, found);
    }
  }
  return found;
}

/** Loads and dereferences one OpenAPI file. */
export async function loadOpenApi(file: string): Promise<Json> {
  const doc = await readDocument(file);
  if (typeof doc === 'string') throw new NaftikoError('USAGE_INVALID', `${file}: ${doc}`);
  const external = externalRefs(doc);
  if (external.length > 0)
    throw new NaftikoError(
      'USAGE_INVALID',
      `${file}: external $ref ${external[0]} is not supported (only local #/ references)`,
    );
  const { dereference } = await import('@readme/openapi-parser');
  try {
    const resolved = await dereference(structuredClone(doc) as never, {
      resolve: { external: false },
      dereference: { circular: 'ignore' },
    });
    return resolved as unknown as Json;
  } catch (err) {
    const message = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
    throw new NaftikoError('USAGE_INVALID', `${file}: cannot resolve $ref: ${message}`);
  }
}

/** The OpenAPI files of a folder (recursively), sorted; files that are not OpenAPI are ignored. */
export async function findOpenApiFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (at: string): Promise<void> => {
    const entries = await readdir(at, { withFileTypes: true });
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(at, entry.name);
      if (entry.isDirectory() && !entry.name.startsWith('.') && entry.name !== 'node_modules')
        await walk(full);
      else if (entry.isFile() && EXTENSIONS.has(path.extname(entry.name).toLowerCase())) {
        const doc = await readDocument(full).catch(() => 'unreadable');
        if (typeof doc !== 'string') found.push(full);
      }
    }
  };
  await walk(dir);
  return found;
}

/** 'file', 'dir', or undefined when nothing is there. */
export async function sourceKind(source: string): Promise<'file' | 'dir' | undefined> {
  try {
    const info = await stat(source);
    return info.isDirectory() ? 'dir' : 'file';
  } catch {
    return undefined;
  }
}
