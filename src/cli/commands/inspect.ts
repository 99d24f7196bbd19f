/**
 * `naftiko inspect <capability>`: what the capability would serve — each adapter, and one row per
 * REST operation, MCP tool, resource and prompt, skill route and control endpoint, with the
 * upstream call, the inputs the engine derives and the inbound authentication — without starting
 * servers or contacting upstreams (authoring/inspect-model.ts). Text (a table that fits the
 * terminal) or `--format json` (the model as it is). Exit 1: the capability is invalid
 * (diagnostics as `validate` prints them, on stderr).
 */
import { describingRuntime, loadCapability } from '../../authoring/load-capability.js';
import { inspectCapability } from '../../authoring/inspect-model.js';
import { formatInspectText } from '../../authoring/inspect-table.js';
import type { CliIo } from '../program.js';

export interface InspectOptions {
  readonly format: 'text' | 'json';
}

/** The table's width: the terminal's, else $COLUMNS, else 120 (piped output). */
function terminalWidth(): number {
  if (process.stdout.isTTY && process.stdout.columns > 0) return process.stdout.columns;
  const columns = Number(process.env.COLUMNS);
  return Number.isInteger(columns) && columns >= 40 ? columns : 120;
}

export async function inspectCommand(
  capabilityFile: string,
  options: InspectOptions,
  io: CliIo,
): Promise<number> {
  const loaded = await loadCapability(capabilityFile, io);
  if (typeof loaded === 'number') return loaded;
  const runtime = describingRuntime(loaded);
  try {
    const model = inspectCapability(runtime, capabilityFile);
    io.stdout(
      options.format === 'json'
        ? `${JSON.stringify(model, null, 2)}\n`
        : formatInspectText(model, terminalWidth()),
    );
    return 0;
  } finally {
    await runtime.close();
  }
}
