/**
 * The text form of `naftiko inspect`: the adapters (where each would listen, its inbound
 * authentication), then one table row per entry — ADAPTER, ROUTE / TOOL, UPSTREAM, INPUTS, AUTH.
 * The table fits the given width: the widest cells are cut (ending in `…`) until it does.
 */
import type { InspectEntry, InspectModel } from './inspect-model.js';

const HEADERS = ['ADAPTER', 'ROUTE / TOOL', 'UPSTREAM', 'INPUTS', 'AUTH'] as const;
const GAP = '  ';
const MIN_WIDTH = 6;

export function upstreamText(upstream: InspectEntry['upstream']): string {
  const { mode, calls } = upstream;
  switch (mode) {
    case 'call':
      return calls.join(', ');
    case 'steps':
      return `steps: ${calls.join(' → ')}`;
    case 'ref':
      return `${calls[0] ?? ''}${calls.length > 1 ? ` → ${calls.slice(1).join(' → ')}` : ''}`;
    case 'forward':
      return `forward → ${calls.join(', ')}`;
    case 'file':
      return calls.length > 0 ? `file ${calls.join(', ')}` : 'file';
    case 'engine':
      return calls.length > 0 ? `engine (${calls.join(', ')})` : 'engine';
    default:
      return mode;
  }
}

function entryName(entry: InspectEntry): string {
  return entry.kind === 'tool' || entry.kind === 'resource' || entry.kind === 'prompt'
    ? `${entry.kind} ${entry.name}`
    : entry.name;
}

export function formatInspectText(model: InspectModel, width: number): string {
  const lines: string[] = [];
  lines.push(
    `${model.capability.label ?? model.capability.file}: ${model.adapters.length} adapter${model.adapters.length === 1 ? '' : 's'}, ${model.entries.length} entries`,
  );
  for (const a of model.adapters) {
    const where =
      a.transport === 'stdio'
        ? 'stdio'
        : `${a.address ?? ''}:${a.port ?? ''}${a.type === 'mcp' ? '/mcp' : ''}`;
    lines.push(
      cut(`  ${a.type} ${a.namespace}  ${where}  authentication: ${a.authentication}`, width),
    );
  }
  lines.push('');
  const rows = model.entries.map((e) => [
    e.adapter,
    entryName(e),
    upstreamText(e.upstream),
    e.inputs.map((i) => `${i.name}${i.required ? '*' : ''}`).join(', ') || '-',
    e.authentication,
  ]);
  lines.push(...table([[...HEADERS], ...rows], width));
  if (model.entries.some((e) => e.inputs.some((i) => i.required))) {
    lines.push('', '* required input');
  }
  return `${lines.join('\n')}\n`;
}

/** Columns padded to their widest cell, cut down (widest first) to fit `width`. */
function table(rows: readonly string[][], width: number): string[] {
  const count = HEADERS.length;
  const widths = Array.from({ length: count }, (_, c) =>
    Math.max(...rows.map((r) => [...(r[c] ?? '')].length)),
  );
  const total = () => widths.reduce((a, b) => a + b, 0) + GAP.length * (count - 1);
  while (total() > width) {
    let widest = 0;
    for (let c = 1; c < count; c++) if ((widths[c] ?? 0) > (widths[widest] ?? 0)) widest = c;
    if ((widths[widest] ?? 0) <= MIN_WIDTH) break;
    widths[widest] = (widths[widest] ?? 0) - 1;
  }
  return rows.map((row) =>
    row
      .map((cell, c) => {
        const w = widths[c] ?? 0;
        const text = cut(cell, w);
        return c === count - 1 ? text : text.padEnd(w + (text.length - [...text].length));
      })
      .join(GAP)
      .trimEnd(),
  );
}

/** A text cut to `width` characters, ending in `…` when cut. */
function cut(text: string, width: number): string {
  const chars = [...text];
  return chars.length <= width ? text : `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
}
