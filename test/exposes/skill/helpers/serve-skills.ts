/**
 * Serves the skill adapters of a capability over real HTTP on 127.0.0.1 (port 0): the capability
 * is validated as a file at `file` (so `location`s resolve from its folder), a runtime is created
 * from it, and each skill adapter is started with `startSkillAdapter` as `naftiko run` would.
 * `stopServed()` (afterEach) stops everything started.
 */
import { writeFile } from 'node:fs/promises';
import { createRuntime } from '../../../../src/engine/runtime.js';
import type { RefusalEvent } from '../../../../src/exposes/auth/guard.js';
import { startSkillAdapter } from '../../../../src/exposes/skill/skill-adapter.js';
import { createValidator } from '../../../../src/spec/validate.js';

const open: { close(): Promise<void> }[] = [];

export async function stopServed(): Promise<void> {
  for (const o of open.splice(0).reverse()) await o.close();
}

export interface ServedSkills {
  /** skill adapter namespace → base URL. */
  readonly urls: Map<string, string>;
  readonly refusals: RefusalEvent[];
  readonly warnings: { event: string; message: string }[];
}

/** Validates `file` (written from `text` when given) and starts its skill adapters. */
export async function serveSkills(
  file: string,
  text?: string,
  env: Readonly<Record<string, string>> = {},
): Promise<ServedSkills> {
  if (text !== undefined) await writeFile(file, text);
  const validator = createValidator();
  const result =
    text === undefined
      ? await validator.validateFile(file)
      : await validator.validateText(file, text);
  if (result.capability === undefined) {
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    throw new Error(
      `invalid capability ${file}:\n${errors.map((d) => `${d.line}:${d.column} ${d.rule} ${d.message}`).join('\n')}`,
    );
  }
  const runtime = createRuntime(result.capability, { env });
  open.push(runtime);
  const served: ServedSkills = { urls: new Map(), refusals: [], warnings: [] };
  for (const adapter of result.capability.doc.capability?.exposes ?? []) {
    if (adapter.type !== 'skill') continue;
    const running = await startSkillAdapter(adapter, runtime, {
      port: 0,
      address: '127.0.0.1',
      onRefused: (e) => void served.refusals.push(e),
      onWarning: (event, message) => void served.warnings.push({ event, message }),
    });
    open.push({ close: () => running.stop(500) });
    served.urls.set(running.namespace, running.url);
  }
  return served;
}
