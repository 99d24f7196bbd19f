/**
 * Loading a capability for the authoring commands (export, inspect): validated as `run` validates
 * it (an invalid one is reported as `validate` reports it, on stderr), and a runtime that only
 * describes what it would serve: no server is started, no upstream is contacted, and bound
 * variables without a value (secrets absent at authoring time) are stood in for by marks that a
 * command checks never reach its output.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ERROR_CATALOGUE } from '../errors.js';
import { resolveBindings } from '../engine/bindings.js';
import type { BoundVariables } from '../engine/bindings.js';
import { createRuntime } from '../engine/runtime.js';
import type { Runtime } from '../engine/runtime.js';
import { compareDiagnostics, hasErrors } from '../spec/diagnostics.js';
import type { Binding, CapabilityDocument } from '../spec/types.js';
import { createValidator } from '../spec/validate.js';
import type { LoadedCapability } from '../spec/validate.js';
import { formatReports } from '../cli/output/format-diagnostics.js';
import type { CliIo } from '../cli/program.js';

/** The capability, or the exit code after its problems were reported. */
export async function loadCapability(file: string, io: CliIo): Promise<LoadedCapability | number> {
  if (!existsSync(file)) {
    io.stderr(`naftiko: no such file: ${file} [SPEC_NOT_FOUND]\n`);
    return ERROR_CATALOGUE.SPEC_NOT_FOUND.exitCode;
  }
  const result = await createValidator().validateFile(file);
  if (result.capability === undefined || hasErrors(result.diagnostics)) {
    const report = [{ file, diagnostics: [...result.diagnostics].sort(compareDiagnostics) }];
    io.stderr(formatReports(report, 'text'));
    io.stderr(`naftiko: ${file} is not a valid capability [SPEC_INVALID]\n`);
    return ERROR_CATALOGUE.SPEC_INVALID.exitCode;
  }
  return result.capability;
}

/** What stands in for a bound variable without a value: `UNBOUND_MARK` + `namespace.VARIABLE`. */
export const UNBOUND_MARK = '__naftiko_unbound__';
const UNBOUND_PATTERN = /__naftiko_unbound__([A-Za-z0-9_.-]+?)__/g;

/**
 * Bound variables as `run` resolves them (the environment, `file://` locations), one variable at
 * a time; one without a value, or whose provider cannot be read, gets a mark instead of failing.
 */
export function lenientBindings(
  doc: CapabilityDocument,
  baseDir: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): BoundVariables {
  const bindings: Binding[] = [...(doc.binds ?? []), ...(doc.capability?.binds ?? [])];
  const byName = new Map<string, string>();
  const secrets: string[] = [];
  for (const binding of bindings) {
    for (const [variable, key] of Object.entries(binding.keys)) {
      const one: CapabilityDocument = {
        naftiko: doc.naftiko,
        binds: [{ ...binding, keys: { [variable]: key } }],
      };
      let value: string;
      try {
        value = String(resolveBindings(one, { baseDir, env }).lookup(variable) ?? '');
        if (value !== '') secrets.push(value);
      } catch {
        value = `${UNBOUND_MARK}${binding.namespace}.${variable}__`;
      }
      byName.set(`${binding.namespace}.${variable}`, value);
      if (!byName.has(variable)) byName.set(variable, value);
    }
  }
  return { lookup: (name) => byName.get(name), secrets };
}

/** A runtime that describes (never serves): lenient bound variables, nothing started. */
export function describingRuntime(capability: LoadedCapability): Runtime {
  const baseDir = path.dirname(path.resolve(capability.source.file));
  return createRuntime(capability, { bound: lenientBindings(capability.doc, baseDir) });
}

/** The bound variables whose marks appear in a text (which then depends on their values). */
export function unboundIn(text: string): string[] {
  return [...new Set([...text.matchAll(UNBOUND_PATTERN)].map((m) => m[1] ?? ''))].sort();
}
