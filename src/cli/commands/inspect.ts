import type { CliIo } from '../program.js';

export interface InspectOptions {
  readonly format: 'text' | 'json';
}

// PLACEHOLDER: being written (issue 12).
export async function inspectCommand(
  _capability: string,
  _options: InspectOptions,
  io: CliIo,
): Promise<number> {
  io.stderr('naftiko: inspect is not available yet [USAGE_INVALID]\n');
  return 2;
}
