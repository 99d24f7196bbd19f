/**
 * Which `naftiko:` versions the engine runs (contract §1).
 *
 * `1.0.0-alpha2` is the target. alpha1 and alpha3 documents are run when their structure fits
 * (alpha3's schema differs from alpha2's only in the version string), with a warning; strict
 * validation treats them as non-conformant. Anything else is refused.
 */
import type { Diagnostic } from './diagnostics.js';
import type { SourceDocument } from './source-document.js';

export const TARGET_VERSION = '1.0.0-alpha2';
export const COMPATIBLE_VERSIONS: readonly string[] = ['1.0.0-alpha1', '1.0.0-alpha3'];

export type VersionVerdict = 'target' | 'compatible' | 'unsupported';

export function classifyVersion(version: unknown): VersionVerdict {
  if (version === TARGET_VERSION) return 'target';
  if (typeof version === 'string' && COMPATIBLE_VERSIONS.includes(version)) return 'compatible';
  return 'unsupported';
}

/**
 * Checks the root `naftiko` key. Returns the diagnostics and whether validation can go on
 * (it cannot for an unsupported version: the rest of the document follows another grammar).
 */
export function checkVersion(
  source: SourceDocument,
  strict: boolean,
): { diagnostics: Diagnostic[]; proceed: boolean } {
  const root = source.value;
  const at = (pointer: string) => {
    const { line, column } = source.positionOf(pointer);
    return { file: source.file, line, column, pointer };
  };
  if (root === null || typeof root !== 'object' || Array.isArray(root)) {
    return {
      diagnostics: [
        {
          severity: 'error',
          rule: 'document-not-object',
          message: 'a capability document must be a YAML mapping with a `naftiko` version key',
          ...at(''),
        },
      ],
      proceed: false,
    };
  }
  if (!('naftiko' in root)) {
    return {
      diagnostics: [
        {
          severity: 'error',
          rule: 'version-missing',
          message: `missing the \`naftiko\` version key (expected "${TARGET_VERSION}")`,
          ...at(''),
        },
      ],
      proceed: false,
    };
  }
  const version = (root as Record<string, unknown>).naftiko;
  const verdict = classifyVersion(version);
  if (verdict === 'target') return { diagnostics: [], proceed: true };
  if (verdict === 'compatible') {
    return {
      diagnostics: [
        {
          severity: strict ? 'error' : 'warning',
          rule: 'version-compatible',
          message: `naftiko version "${String(version)}" is not the target "${TARGET_VERSION}"; run as alpha2 since its structure fits`,
          ...at('/naftiko'),
        },
      ],
      proceed: true,
    };
  }
  const shown =
    typeof version === 'string' || typeof version === 'number'
      ? `"${String(version)}"`
      : `a value of type ${version === null ? 'null' : Array.isArray(version) ? 'array' : typeof version}`;
  return {
    diagnostics: [
      {
        severity: 'error',
        rule: 'version-unsupported',
        message: `unsupported naftiko version ${shown}; this engine runs "${TARGET_VERSION}" (and, with a warning, ${COMPATIBLE_VERSIONS.map((v) => `"${v}"`).join(', ')})`,
        ...at('/naftiko'),
      },
    ],
    proceed: false,
  };
}
