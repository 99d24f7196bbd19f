/**
 * A worker thread for `naftiko validate` over many files (src/cli/commands/validate.ts): it and
 * the main thread take files from one shared list, by an atomic counter, until none is left,
 * so that a late-starting or slower thread simply validates fewer files. Each result goes back
 * to the main thread as soon as it is known, with its index in the list.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Diagnostic } from './diagnostics.js';
import { createValidator } from './validate.js';

export interface ValidateWorkerData {
  readonly strict: boolean;
  /** The files, with their text when the folder scan read it. */
  readonly files: readonly (readonly [string, string | undefined])[];
  /** Int32Array over a SharedArrayBuffer: [0] = index of the next file to take. */
  readonly next: Int32Array;
}

export interface ValidateWorkerResult {
  readonly index: number;
  readonly diagnostics: readonly Diagnostic[];
}

const data = workerData as ValidateWorkerData;
const port = parentPort;
if (port !== null && data !== null && typeof data === 'object') {
  const validator = createValidator({ strict: data.strict });
  for (;;) {
    const index = Atomics.add(data.next, 0, 1);
    const entry = data.files[index];
    if (entry === undefined) break;
    const [file, text] = entry;
    let diagnostics: readonly Diagnostic[];
    try {
      const result = await (text === undefined
        ? validator.validateFile(file)
        : validator.validateText(file, text));
      diagnostics = result.diagnostics;
    } catch (err) {
      diagnostics = [internalDiagnostic(file, err)];
    }
    port.postMessage({ index, diagnostics } satisfies ValidateWorkerResult);
  }
}

/** A validator crash on one file is reported on that file (as the main thread does). */
export function internalDiagnostic(file: string, err: unknown): Diagnostic {
  const message = err instanceof Error ? err.message : String(err);
  return {
    severity: 'error',
    rule: 'internal',
    message: `validation failed: ${message}`,
    file,
    line: 0,
    column: 0,
    pointer: '',
  };
}
