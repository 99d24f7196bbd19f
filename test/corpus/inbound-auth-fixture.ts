/**
 * Makes a corpus file that declares inbound authentication runnable, without touching the corpus:
 * the file is copied into a fresh temporary folder with what its relative references need and the
 * flattened corpus lacks — a `file://` secrets file per located binding (a dummy value per bound
 * key) and, for each imported consumes `location`, the corpus file that was at that path in the
 * same repository and commit (found through INDEX.tsv). Bindings without a location become
 * environment variables. The expected credential of each protected adapter is its template
 * rendered with those dummy values.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import type { CorpusRow } from '../helpers/corpus.js';

/** The loosely typed parts of a capability document this fixture reads. */
export interface AuthDocument {
  readonly binds?: readonly Binding[];
  readonly consumes?: readonly { location?: unknown }[];
  readonly capability?: {
    readonly binds?: readonly Binding[];
    readonly consumes?: readonly { location?: unknown }[];
    readonly exposes?: readonly ExposedAdapter[];
  };
}

interface Binding {
  readonly location?: unknown;
  readonly keys?: Record<string, unknown>;
}

export interface ExposedAdapter {
  readonly type?: string;
  readonly namespace?: string;
  readonly authentication?: { readonly type?: string; readonly token?: unknown };
}

export interface DeclaringFile {
  readonly row: CorpusRow;
  readonly doc: AuthDocument;
  /** The exposed adapters that declare `authentication`. */
  readonly protectedAdapters: readonly ExposedAdapter[];
}

export interface PreparedFile {
  readonly declaring: DeclaringFile;
  readonly dir: string;
  /** The copy of the capability file inside `dir`. */
  readonly file: string;
  /** Variables of bindings without a location (the process environment). */
  readonly env: Record<string, string>;
  /** Bound variable → the dummy value it resolves to. */
  readonly values: ReadonlyMap<string, string>;
  /** Imported locations that no corpus file of the same commit matches. */
  readonly missingImports: readonly string[];
}

/** Every parseable corpus file with at least one exposed adapter declaring `authentication`. */
export function filesDeclaringInboundAuth(rows: readonly CorpusRow[]): DeclaringFile[] {
  const found: DeclaringFile[] = [];
  for (const row of rows) {
    if (row.yamlParses !== 'yes') continue;
    let doc: unknown;
    try {
      doc = yaml.load(readFileSync(row.absolutePath, 'utf8'));
    } catch {
      continue;
    }
    const exposes = (doc as AuthDocument | null)?.capability?.exposes;
    if (!Array.isArray(exposes)) continue;
    const protectedAdapters = exposes.filter(
      (a: ExposedAdapter | null) => a !== null && typeof a === 'object' && a.authentication,
    );
    if (protectedAdapters.length > 0)
      found.push({ row, doc: doc as AuthDocument, protectedAdapters });
  }
  return found;
}

const dummyValue = (name: string): string => `dummy-${name.toLowerCase()}-5e1f`;

/** `file:///./shared/secrets.yaml` → `./shared/secrets.yaml`; undefined when not relative. */
function relativeFileLocation(location: string): string | undefined {
  if (!location.startsWith('file://')) return undefined;
  const rest = location.slice('file://'.length);
  const relative = rest.startsWith('/./') || rest.startsWith('/../') ? rest.slice(1) : rest;
  return path.isAbsolute(relative) ? undefined : relative;
}

export function prepareFile(declaring: DeclaringFile, rows: readonly CorpusRow[]): PreparedFile {
  const { row, doc } = declaring;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'naftiko-inbound-auth-'));
  const file = path.join(dir, path.posix.basename(row.sourcePath));
  copyFileSync(row.absolutePath, file);

  const values = new Map<string, string>();
  const env: Record<string, string> = {};
  const secretFiles = new Map<string, Record<string, string>>();
  for (const binding of [...(doc.binds ?? []), ...(doc.capability?.binds ?? [])]) {
    const located =
      typeof binding.location === 'string' ? relativeFileLocation(binding.location) : undefined;
    for (const [variable, providerKey] of Object.entries(binding.keys ?? {})) {
      const value = dummyValue(variable);
      values.set(variable, value);
      if (located === undefined) env[variable] = value;
      else {
        const entries = secretFiles.get(located) ?? {};
        entries[String(providerKey)] = value;
        secretFiles.set(located, entries);
      }
    }
  }
  for (const [relative, entries] of secretFiles) {
    const target = path.join(dir, relative);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, yaml.dump(entries));
  }

  const missingImports: string[] = [];
  for (const entry of [...(doc.consumes ?? []), ...(doc.capability?.consumes ?? [])]) {
    if (typeof entry.location !== 'string') continue;
    const sourcePath = path.posix.normalize(
      path.posix.join(path.posix.dirname(row.sourcePath), entry.location),
    );
    const match = rows.find(
      (r) =>
        r.sourceRepo === row.sourceRepo && r.commit === row.commit && r.sourcePath === sourcePath,
    );
    if (match === undefined) {
      missingImports.push(entry.location);
      continue;
    }
    const target = path.join(dir, entry.location);
    mkdirSync(path.dirname(target), { recursive: true });
    copyFileSync(match.absolutePath, target);
  }
  return { declaring, dir, file, env, values, missingImports };
}

/** A credential template rendered with the dummy values (`{{VAR}}` or `{{bindNamespace.VAR}}`). */
export function expectedCredential(template: unknown, values: ReadonlyMap<string, string>): string {
  return String(template).replace(/\{\{\s*([^{}\s]+)\s*\}\}/g, (whole, name: string) => {
    return values.get(name) ?? values.get(name.slice(name.lastIndexOf('.') + 1)) ?? whole;
  });
}
