import type { CliIo } from '../program.js';

export interface CreateCapabilityOptions {
  readonly name?: string;
  readonly baseUri?: string;
  readonly port?: string;
  readonly mcpPort?: string;
  readonly output?: string;
  readonly force?: boolean;
}

// PLACEHOLDER: being written (issue 12).
export async function createCapabilityCommand(
  _options: CreateCapabilityOptions,
  io: CliIo,
): Promise<number> {
  io.stderr('naftiko: create capability is not available yet [USAGE_INVALID]\n');
  return 2;
}
