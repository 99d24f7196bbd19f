/**
 * The resources of an MCP adapter (contract §8), compiled once at load.
 *
 * - Static resources (`location`, a `file:///` URI): a file is one resource at the spec's `uri`;
 *   a folder gives one resource per file inside it (recursively), at the spec's `uri` joined
 *   with the relative path. Reads never leave the folder: `..`, `.`, empty and absolute
 *   segments are refused and the real path (symlinks resolved) must stay under the folder.
 * - Dynamic resources (`call` or `steps`): a `uri` with `{x}` placeholders is a URI template
 *   (`resources/templates/list`), matched on read to extract its variables; otherwise an exact
 *   URI. A read runs the invocation with those variables and returns its result as text.
 *
 * `location` URIs: `file:///./x` and `file://./x` are relative to the capability file's folder,
 * `file:///abs` is absolute.
 *
 * For completions and subscriptions the compiled resources also give the static entries, each
 * URI template's variables with the call inputs they are (`bindings`), and `staticFileSync`, the
 * file a static URI serves now.
 */
import { promises as fs, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type {
  ReadResourceResult,
  Resource,
  ResourceTemplate,
} from '@modelcontextprotocol/sdk/types.js';
import type { InputSpec } from '../../engine/inputs.js';
import type { Invocation, InvocationResult } from '../../engine/invocation.js';
import type { Runtime } from '../../engine/runtime.js';
import type { ExposesMcp, McpResource } from '../../spec/types.js';
import { stringifyJson } from '../../lossless-json.js';
import { problemFor } from '../problem.js';
import { RPC_INTERNAL_ERROR, RPC_INVALID_PARAMS, RpcError } from './rpc-error.js';

const MIME_BY_EXTENSION: Readonly<Record<string, string>> = {
  '.md': 'text/markdown',
  '.markdown': 'text/markdown',
  '.json': 'application/json',
  '.txt': 'text/plain',
  '.yaml': 'application/yaml',
  '.yml': 'application/yaml',
  '.html': 'text/html',
  '.htm': 'text/html',
  '.csv': 'text/csv',
  // Media: served as blobs, and a prompt `location` of one is an image or audio message.
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.bmp': 'image/bmp',
  '.wav': 'audio/wav',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
  '.flac': 'audio/flac',
};

const DEFAULT_DYNAMIC_MIME = 'application/json';

/** The MIME type of a file name, from its extension (application/octet-stream otherwise). */
export function guessMimeType(file: string): string {
  return MIME_BY_EXTENSION[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** Whether contents of this type are sent as `text` (otherwise as a base64 `blob`). */
export function isTextMimeType(mimeType: string): boolean {
  const type = (mimeType.split(';')[0] ?? '').trim().toLowerCase();
  return (
    type.startsWith('text/') ||
    type.endsWith('+json') ||
    type.endsWith('+xml') ||
    type.endsWith('+yaml') ||
    [
      'application/json',
      'application/yaml',
      'application/x-yaml',
      'application/xml',
      'application/javascript',
      'application/ecmascript',
    ].includes(type)
  );
}

/**
 * The filesystem path of a `location` URI: `file:///./x`, `file:///../x` and `file://./x` are
 * relative to `baseDir`; any other `file:///` URI is absolute.
 */
export function locationPath(location: string, baseDir: string): string {
  const relative = /^file:\/\/\/?(\.\.?(?:\/|$).*)$/.exec(location);
  if (relative?.[1] !== undefined) return path.resolve(baseDir, decodeURIComponent(relative[1]));
  if (location.startsWith('file:///')) return fileURLToPath(location);
  throw new RpcError(RPC_INTERNAL_ERROR, `not a file:/// location: ${location}`);
}

interface StaticEntry {
  readonly spec: McpResource;
  /** The location as given, resolved (not yet through symlinks). */
  readonly path: string;
}

interface DynamicEntry {
  readonly spec: McpResource;
  readonly invocation: Invocation;
  /** For URI templates: the matcher and its variable names, in order. */
  readonly pattern?: RegExp;
  readonly variables: readonly string[];
}

/** A static resource as declared: a file, or a folder whose files are resources. */
export interface StaticResource {
  readonly uri: string;
  /** The `location` resolved (not through symlinks). */
  readonly path: string;
  readonly mimeType?: string;
}

/** A dynamic resource whose `uri` is a URI template, with how its variables reach the call. */
export interface TemplateBinding {
  readonly uriTemplate: string;
  /** The template's variables, in order; each is the call's input of the same name. */
  readonly variables: readonly string[];
  /** The inputs of the resource's invocation (declared or derived from what `with` feeds). */
  readonly inputs: readonly InputSpec[];
  /** The variables (percent-decoded) of a URI this template matches, else undefined. */
  match(uri: string): Readonly<Record<string, string>> | undefined;
}

export interface CompiledResources {
  /** True when the adapter declares at least one resource. */
  readonly present: boolean;
  /** Static resources (folders listed now) and exact dynamic URIs. */
  list(): Promise<Resource[]>;
  /** Dynamic resources whose `uri` is a URI template. */
  readonly templates: readonly ResourceTemplate[];
  read(uri: string, signal?: AbortSignal): Promise<ReadResourceResult>;
  /** The static resources, in declaration order. */
  readonly statics: readonly StaticResource[];
  /** The URI templates of dynamic resources, in declaration order (as `templates`). */
  readonly bindings: readonly TemplateBinding[];
  /**
   * The file a static resource URI serves now (a declared file, or a regular file inside a
   * declared folder, with the same path checks as reads), resolved through symlinks; undefined
   * when the URI is no static resource. Synchronous, never throws.
   */
  staticFileSync(uri: string): string | undefined;
}

export function compileResources(adapter: ExposesMcp, runtime: Runtime): CompiledResources {
  const baseDir = path.dirname(path.resolve(runtime.capability.source.file));
  const statics: StaticEntry[] = [];
  const dynamics: DynamicEntry[] = [];
  for (const spec of adapter.resources ?? []) {
    if (spec.location !== undefined) {
      statics.push({ spec, path: locationPath(spec.location, baseDir) });
      continue;
    }
    const invocation = runtime.invocation(spec, adapter.namespace);
    const template = compileUriTemplate(spec.uri);
    dynamics.push({ spec, invocation, ...template });
  }

  const exact = dynamics.filter((d) => d.pattern === undefined);
  const templated = dynamics.filter((d) => d.pattern !== undefined);
  const templates: ResourceTemplate[] = templated.map((d) => ({
    uriTemplate: d.spec.uri,
    name: d.spec.name,
    title: d.spec.label,
    description: d.spec.description,
    mimeType: d.spec.mimeType ?? DEFAULT_DYNAMIC_MIME,
  }));

  async function list(): Promise<Resource[]> {
    const listed: Resource[] = [];
    for (const entry of statics) {
      const stat = await fs.stat(entry.path).catch(() => undefined);
      if (stat?.isFile()) {
        listed.push(describe(entry.spec, entry.spec.uri, entry.path));
      } else if (stat?.isDirectory()) {
        const root = await fs.realpath(entry.path);
        for (const relative of await filesUnder(root)) {
          listed.push(
            describe(
              entry.spec,
              joinUri(entry.spec.uri, relative),
              relative,
              entry.spec.label ? `${entry.spec.label}: ${relative}` : relative,
            ),
          );
        }
      }
    }
    for (const entry of exact) {
      listed.push({
        uri: entry.spec.uri,
        name: entry.spec.name,
        title: entry.spec.label,
        description: entry.spec.description,
        mimeType: entry.spec.mimeType ?? DEFAULT_DYNAMIC_MIME,
      });
    }
    return listed;
  }

  async function read(uri: string, signal?: AbortSignal): Promise<ReadResourceResult> {
    for (const entry of statics) {
      const file = await staticFile(entry, uri);
      if (file !== undefined) return readFile(uri, file, entry.spec.mimeType);
    }
    // Exact URIs win over templates (`items://all` before `items://{id}`).
    for (const entry of [...exact, ...templated]) {
      const variables = matchUri(entry, uri);
      if (variables !== undefined) return readDynamic(entry, uri, variables, runtime, signal);
    }
    throw new RpcError(RPC_INVALID_PARAMS, `unknown resource: ${uri}`);
  }

  const bindings: TemplateBinding[] = templated.map((d) => ({
    uriTemplate: d.spec.uri,
    variables: d.variables,
    inputs: d.invocation.inputs,
    match: (uri) => matchUri(d, uri),
  }));

  function staticFileSync(uri: string): string | undefined {
    for (const entry of statics) {
      const file = staticFileNow(entry, uri);
      if (file !== undefined) return file;
    }
    return undefined;
  }

  return {
    present: statics.length + dynamics.length > 0,
    list,
    templates,
    read,
    statics: statics.map((e) => ({
      uri: e.spec.uri,
      path: e.path,
      ...(e.spec.mimeType !== undefined ? { mimeType: e.spec.mimeType } : {}),
    })),
    bindings,
    staticFileSync,
  };
}

function describe(spec: McpResource, uri: string, file: string, title?: string): Resource {
  return {
    uri,
    name: title === undefined ? spec.name : `${spec.name}/${file}`,
    title: title ?? spec.label,
    description: spec.description,
    mimeType: spec.mimeType ?? guessMimeType(file),
  };
}

/** Every regular file under a folder, as `/`-separated relative paths, sorted. */
async function filesUnder(root: string): Promise<string[]> {
  const found: string[] = [];
  async function walk(dir: string, prefix: string): Promise<void> {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      const relative = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        await walk(full, relative);
      } else if (entry.isFile()) {
        found.push(relative);
      } else if (entry.isSymbolicLink()) {
        // A link is listed only when it is a file that stays inside the folder.
        const real = await fs.realpath(full).catch(() => undefined);
        if (real === undefined || !isInside(root, real)) continue;
        const stat = await fs.stat(real).catch(() => undefined);
        if (stat?.isFile()) found.push(relative);
      }
    }
  }
  await walk(root, '');
  return found.sort();
}

function joinUri(base: string, relative: string): string {
  const encoded = relative.split('/').map(encodeURIComponent).join('/');
  return `${base.replace(/\/+$/, '')}/${encoded}`;
}

function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** The file a static resource serves at `uri`, or undefined when the URI is not its. */
async function staticFile(entry: StaticEntry, uri: string): Promise<string | undefined> {
  const stat = await fs.stat(entry.path).catch(() => undefined);
  if (stat === undefined) return undefined;
  if (stat.isFile()) return uri === entry.spec.uri ? entry.path : undefined;
  if (!stat.isDirectory()) return undefined;
  const segments = folderSegments(entry, uri);
  if (segments === undefined) return undefined;
  const root = await fs.realpath(entry.path);
  const target = path.resolve(root, ...segments);
  if (!isInside(root, target)) {
    throw new RpcError(RPC_INVALID_PARAMS, `invalid resource path: ${uri}`);
  }
  const real = await fs.realpath(target).catch(() => undefined);
  if (real === undefined) return undefined;
  if (!isInside(root, real)) {
    throw new RpcError(RPC_INVALID_PARAMS, `invalid resource path: ${uri}`);
  }
  const targetStat = await fs.stat(real);
  return targetStat.isFile() ? real : undefined;
}

/**
 * The `/`-separated, decoded segments of `uri` below a folder resource's URI; undefined when the
 * URI is not under it; throws -32602 for segments that could leave the folder.
 */
function folderSegments(entry: StaticEntry, uri: string): string[] | undefined {
  const prefix = `${entry.spec.uri.replace(/\/+$/, '')}/`;
  if (!uri.startsWith(prefix)) return undefined;
  const segments = uri
    .slice(prefix.length)
    .split('/')
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return undefined;
      }
    });
  const refused = (s: string | undefined): boolean =>
    s === undefined ||
    s === '' ||
    s === '.' ||
    s === '..' ||
    s.includes('/') ||
    s.includes('\\') ||
    s.includes('\0') ||
    path.isAbsolute(s);
  if (segments.some(refused)) {
    throw new RpcError(RPC_INVALID_PARAMS, `invalid resource path: ${uri}`);
  }
  return segments as string[];
}

/** `staticFile`, synchronously, resolved through symlinks, undefined instead of any error. */
function staticFileNow(entry: StaticEntry, uri: string): string | undefined {
  try {
    const stat = statSync(entry.path, { throwIfNoEntry: false });
    if (stat === undefined) return undefined;
    if (stat.isFile()) return uri === entry.spec.uri ? realpathSync(entry.path) : undefined;
    if (!stat.isDirectory()) return undefined;
    const segments = folderSegments(entry, uri);
    if (segments === undefined) return undefined;
    const root = realpathSync(entry.path);
    const target = path.resolve(root, ...segments);
    if (!isInside(root, target)) return undefined;
    const real = realpathSync(target);
    if (!isInside(root, real)) return undefined;
    return statSync(real).isFile() ? real : undefined;
  } catch {
    return undefined;
  }
}

async function readFile(
  uri: string,
  file: string,
  mimeType: string | undefined,
): Promise<ReadResourceResult> {
  const type = mimeType ?? guessMimeType(file);
  const bytes = await fs.readFile(file);
  return {
    contents: [
      isTextMimeType(type)
        ? { uri, mimeType: type, text: bytes.toString('utf8') }
        : { uri, mimeType: type, blob: bytes.toString('base64') },
    ],
  };
}

/** `{x}` (one segment) and `{+x}` (reserved expansion, may span `/`) placeholders. */
function compileUriTemplate(uri: string): { pattern?: RegExp; variables: string[] } {
  const placeholder = /\{(\+?)([A-Za-z0-9_.-]+)\}/g;
  const variables: string[] = [];
  let source = '^';
  let last = 0;
  for (const match of uri.matchAll(placeholder)) {
    source += escapeRegExp(uri.slice(last, match.index));
    source += match[1] === '+' ? '(.+)' : '([^/?#]+)';
    variables.push(match[2] as string);
    last = match.index + match[0].length;
  }
  if (variables.length === 0) return { variables };
  source += `${escapeRegExp(uri.slice(last))}$`;
  return { pattern: new RegExp(source), variables };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function matchUri(entry: DynamicEntry, uri: string): Record<string, string> | undefined {
  if (entry.pattern === undefined) return uri === entry.spec.uri ? {} : undefined;
  const match = entry.pattern.exec(uri);
  if (match === null) return undefined;
  const variables: Record<string, string> = {};
  entry.variables.forEach((name, i) => {
    const raw = match[i + 1] ?? '';
    try {
      variables[name] = decodeURIComponent(raw);
    } catch {
      variables[name] = raw;
    }
  });
  return variables;
}

async function readDynamic(
  entry: DynamicEntry,
  uri: string,
  variables: Readonly<Record<string, string>>,
  runtime: Runtime,
  signal?: AbortSignal,
): Promise<ReadResourceResult> {
  let result: InvocationResult;
  try {
    result = await entry.invocation.run(variables, signal);
  } catch (err) {
    const problem = problemFor(err, runtime.redact);
    throw new RpcError(RPC_INTERNAL_ERROR, `${problem.code}: ${problem.detail}`);
  }
  let text: string;
  if (result.kind === 'value') {
    text = stringifyJson(result.value ?? null);
  } else {
    const { status, raw } = result.response;
    if (status >= 400) {
      const body = runtime.redact(raw.toString('utf8')).slice(0, 2000);
      throw new RpcError(RPC_INTERNAL_ERROR, `upstream answered ${status}: ${body}`);
    }
    // Bytes the upstream says are not text (an image, a PDF...) are sent as a base64 blob with
    // its content type, unless the resource declares a text type.
    const upstreamType = result.response.contentType ?? result.response.headers['content-type'];
    const declared = entry.spec.mimeType;
    if (upstreamType !== undefined && !isTextMimeType(declared ?? upstreamType)) {
      const mimeType = declared ?? (upstreamType.split(';')[0] ?? upstreamType).trim();
      return { contents: [{ uri, mimeType, blob: raw.toString('base64') }] };
    }
    text = raw.toString('utf8');
  }
  const mimeType = entry.spec.mimeType ?? DEFAULT_DYNAMIC_MIME;
  return { contents: [{ uri, mimeType, text: runtime.redact(text) }] };
}
