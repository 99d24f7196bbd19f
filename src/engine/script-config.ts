/**
 * Script step settings of one capability (contract §9): the control adapter's
 * `management.scripting` block (enabled, defaultLocation, defaultLanguage, timeout,
 * statementLimit, allowedLanguages), completed by the engine's own limits. Built once per
 * runtime; it also caches script sources so each file is read once, whoever compiles it.
 */
import type { CapabilityDocument, ScriptingManagementSpec, ScriptLanguage } from '../spec/types.js';

export interface ScriptLimits {
  /** Wall-clock budget of one run, in milliseconds. */
  readonly timeoutMs: number;
  /** Interpreter budget of one run, in QuickJS ticks (about one per statement, call or loop turn). */
  readonly statementLimit: number;
  /** Heap limit of the sandbox, in bytes. */
  readonly memoryBytes: number;
  /** Stack limit of the sandbox, in bytes. */
  readonly stackBytes: number;
}

export interface ScriptSettings {
  /** `management.scripting.enabled`, else `NAFTIKO_SCRIPTING` (anything but `false`), else on. */
  readonly enabled: boolean;
  /** Why scripting is off, for the refusal message. */
  readonly disabledBy?: string;
  /** The capability file's folder: relative `location`s resolve against it. */
  readonly baseDir: string;
  readonly defaultLocation?: string;
  readonly defaultLanguage?: ScriptLanguage;
  /** Undefined or empty: every language the engine runs. */
  readonly allowedLanguages?: readonly ScriptLanguage[];
  readonly limits: ScriptLimits;
  /** Removes bound (secret) values from a text before it reaches an error message. */
  readonly redact: (text: string) => string;
  /** Script sources already read, by absolute path. */
  readonly sources: Map<string, string>;
}

/**
 * Engine defaults. The reference engine allows 60 s and 100 000 GraalVM statements; a script
 * step here runs on the event loop, so the wall clock is kept short, and QuickJS counts loop
 * turns and calls rather than statements, so its budget is larger for the same work.
 */
export const DEFAULT_SCRIPT_LIMITS: ScriptLimits = {
  timeoutMs: 1_000,
  statementLimit: 1_000_000,
  memoryBytes: 32 * 1024 * 1024,
  // Deeper QuickJS stacks can exhaust Node's own stack before QuickJS notices (the WASM
  // interpreter recurses natively); 256 KiB leaves room under any request handler.
  stackBytes: 256 * 1024,
};

export interface ScriptSettingsOptions {
  readonly baseDir: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly redact?: (text: string) => string;
}

export function scriptSettings(
  doc: CapabilityDocument,
  options: ScriptSettingsOptions,
): ScriptSettings {
  const spec = scriptingSpec(doc);
  const envSwitch = options.env?.NAFTIKO_SCRIPTING;
  const enabled = spec?.enabled !== undefined ? spec.enabled : envSwitch?.toLowerCase() !== 'false';
  return {
    enabled,
    ...(enabled
      ? {}
      : {
          disabledBy:
            spec?.enabled !== undefined
              ? 'management.scripting.enabled is false on the control adapter'
              : 'NAFTIKO_SCRIPTING=false',
        }),
    baseDir: options.baseDir,
    ...(spec?.defaultLocation !== undefined ? { defaultLocation: spec.defaultLocation } : {}),
    ...(spec?.defaultLanguage !== undefined ? { defaultLanguage: spec.defaultLanguage } : {}),
    ...(spec?.allowedLanguages !== undefined ? { allowedLanguages: spec.allowedLanguages } : {}),
    limits: {
      ...DEFAULT_SCRIPT_LIMITS,
      ...(positive(spec?.timeout) ? { timeoutMs: spec.timeout } : {}),
      ...(positive(spec?.statementLimit) ? { statementLimit: spec.statementLimit } : {}),
    },
    redact: options.redact ?? ((text) => text),
    sources: new Map(),
  };
}

/** The first control adapter's `management.scripting` (validation allows one control adapter). */
function scriptingSpec(doc: CapabilityDocument): ScriptingManagementSpec | undefined {
  for (const adapter of doc.capability?.exposes ?? []) {
    if (adapter.type === 'control' && adapter.management?.scripting) {
      return adapter.management.scripting;
    }
  }
  return undefined;
}

function positive(value: number | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0;
}
