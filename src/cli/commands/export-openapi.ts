import type { CliIo } from '../program.js';

export interface ExportOpenApiOptions {
  readonly output?: string;
  readonly adapter?: string;
  readonly specVersion: '3.1' | '3.0';
  readonly format: 'json' | 'yaml';
}

// PLACEHOLDER: being written (issue 12).
export async function exportOpenApiCommand(
  _capability: string,
  _options: ExportOpenApiOptions,
  io: CliIo,
): Promise<number> {
  io.stderr('naftiko: export openapi is not available yet [USAGE_INVALID]\n');
  return 2;
}
