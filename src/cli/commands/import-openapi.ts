import type { CliIo } from '../program.js';

export interface ImportOpenApiOptions {
  readonly output?: string;
  readonly namespace?: string;
  readonly format: 'yaml' | 'json';
  readonly include?: string[];
  readonly exclude?: string[];
  readonly consumesOnly?: boolean;
  readonly restPort?: string;
  readonly mcpPort?: string;
}

// PLACEHOLDER: being written (issue 12).
export async function importOpenApiCommand(
  _source: string,
  _options: ImportOpenApiOptions,
  io: CliIo,
): Promise<number> {
  io.stderr('naftiko: import openapi is not available yet [USAGE_INVALID]\n');
  return 2;
}
