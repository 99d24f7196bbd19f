/**
 * What the loader fuzzer holds the engine to, one mutant at a time: validation never throws,
 * finishes within MAX_VALIDATE_MS, and places every diagnostic on a real line and column of the
 * file; a mutant that validates compiles (compile-capability.ts) or is refused with a catalogued
 * NaftikoError. Broken promises are collected with the mutant's label, for replay.
 */
import { performance } from 'node:perf_hooks';
import { ERROR_CATALOGUE, NaftikoError } from '../../src/errors.js';
import type { Diagnostic } from '../../src/spec/diagnostics.js';
import type { LoadedCapability, Validator } from '../../src/spec/validate.js';
import { compileCapability } from './compile-capability.js';
import type { Watchdog } from './watchdog.js';

export const MAX_VALIDATE_MS = 2_000;
/** The first failures are kept in full; the rest are counted. */
const KEPT_FAILURES = 40;

export interface Mutant {
  readonly label: string;
  readonly path: string;
  readonly text: string;
}

/** Why a diagnostic is unacceptable, or undefined. */
function positionProblem(
  d: Diagnostic,
  path: string,
  lines: readonly string[],
): string | undefined {
  if (d.file !== path) return `names file ${JSON.stringify(d.file)}`;
  const line = lines[d.line - 1];
  if (!Number.isInteger(d.line) || line === undefined) return `line ${d.line}`;
  const width = line.length + 1;
  if (!Number.isInteger(d.column) || d.column < 1 || d.column > width)
    return `column ${d.column} of ${width}`;
  if (typeof d.rule !== 'string' || d.rule === '') return 'no rule';
  if (d.severity !== 'error' && d.severity !== 'warning') return `severity ${String(d.severity)}`;
  if (typeof d.message !== 'string' || d.message === '') return 'no message';
  if (typeof d.pointer !== 'string' || !(d.pointer === '' || d.pointer.startsWith('/')))
    return `pointer ${JSON.stringify(d.pointer)}`;
  return undefined;
}

const describeError = (err: unknown): string =>
  err instanceof Error
    ? `${err.constructor.name}: ${err.message.slice(0, 300)}\n${(err.stack ?? '').split('\n').slice(1, 6).join('\n')}`
    : `thrown ${typeof err}: ${String(err).slice(0, 300)}`;

/**
 * Compile-step failures whose cause lies outside src/spec, reported to their owners and counted
 * here until fixed (remove an entry with its fix): the fuzzer keeps finding new defects meanwhile.
 */
// None known: route-path.ts refuses `*`, `(` and `)` with SPEC_INVALID (they reached fastify's
// router unescaped before). Add an entry here only with its owner and a reason.
const KNOWN_COMPILE_DEFECTS: readonly { readonly owner: string; readonly message: RegExp }[] = [];

export class Findings {
  readonly failures: string[] = [];
  count = 0;
  readonly compileCodes = new Map<string, number>();
  /** The slowest validations, for the summary. */
  readonly slowest: [number, string][] = [];

  fail(label: string, what: string): void {
    this.count++;
    if (this.failures.length < KEPT_FAILURES) this.failures.push(`${label}: ${what}`);
  }

  /** Validates one text and, when it validates, compiles it; records every broken promise. */
  async check(validator: Validator, m: Mutant, dog: Watchdog, compile = true) {
    dog.beat(m.label);
    const start = performance.now();
    let result;
    try {
      result = await validator.validateText(m.path, m.text);
    } catch (err) {
      this.fail(m.label, `validation threw ${describeError(err)}`);
      return undefined;
    }
    const ms = performance.now() - start;
    if (ms > MAX_VALIDATE_MS) this.fail(m.label, `validation took ${Math.round(ms)} ms`);
    this.slowest.push([ms, m.label]);
    this.slowest.sort((a, b) => b[0] - a[0]).splice(5);
    // Line breaks as YAML 1.2 counts them (§5.4): LF, CRLF, lone CR.
    const lines = m.text.replace(/^\ufeff/, '').split(/\r\n|\r|\n/);
    for (const d of result.diagnostics) {
      const problem = positionProblem(d, m.path, lines);
      if (problem !== undefined) {
        this.fail(m.label, `diagnostic without a position (${problem}): ${JSON.stringify(d)}`);
      }
    }
    if (compile && result.capability !== undefined) {
      await this.compile(result.capability, m.label, dog);
    }
    return result;
  }

  async compile(capability: LoadedCapability, label: string, dog: Watchdog): Promise<void> {
    dog.beat(`compile ${label}`);
    try {
      await compileCapability(capability);
      this.tally('ok');
    } catch (err) {
      if (err instanceof NaftikoError && err.code in ERROR_CATALOGUE && err.code !== 'INTERNAL') {
        this.tally(err.code, `${label}: ${err.message}`);
      } else if (
        err instanceof Error &&
        KNOWN_COMPILE_DEFECTS.some((k) => k.message.test(err.message))
      ) {
        this.tally('known-defect', `${label}: ${err.message}`);
      } else {
        this.fail(label, `compile threw ${describeError(err)}`);
      }
    }
  }

  /** The first refusal of each code, for the summary. */
  readonly examples = new Map<string, string>();

  private tally(code: string, example?: string): void {
    this.compileCodes.set(code, (this.compileCodes.get(code) ?? 0) + 1);
    if (example !== undefined && !this.examples.has(code)) this.examples.set(code, example);
  }
}
