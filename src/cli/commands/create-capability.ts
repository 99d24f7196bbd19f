/**
 * `naftiko create capability`: a new capability that passes `validate --strict` and runs
 * (authoring/scaffold.ts), from flags (non-interactive, for scripts) or, on a terminal, from
 * answers to prompts for the flags left out. Written to `<name>.yaml` unless `-o` says where
 * (`-` for stdout); an existing file is kept unless `--force`. Exit 2: a flag missing (not on a
 * terminal) or invalid, or the file exists.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { ERROR_CATALOGUE, NaftikoError } from '../../errors.js';
import { askMissing } from '../../authoring/scaffold-prompts.js';
import type { Answers } from '../../authoring/scaffold-prompts.js';
import { parsePort, scaffoldCapability } from '../../authoring/scaffold.js';
import type { CliIo } from '../program.js';

export interface CreateCapabilityOptions {
  readonly name?: string;
  readonly baseUri?: string;
  /** The REST adapter's port (default 8080). */
  readonly port?: string;
  /** Adds an MCP adapter on this port. */
  readonly mcpPort?: string;
  /** Where to write (default `<name>.yaml`; `-` for stdout). */
  readonly output?: string;
  readonly force?: boolean;
}

export async function createCapabilityCommand(
  options: CreateCapabilityOptions,
  io: CliIo,
): Promise<number> {
  const usage = (message: string) => {
    io.stderr(`naftiko: ${message} [USAGE_INVALID]\n`);
    return ERROR_CATALOGUE.USAGE_INVALID.exitCode;
  };
  let answers: Answers = {
    ...(options.name !== undefined ? { name: options.name } : {}),
    ...(options.baseUri !== undefined ? { baseUri: options.baseUri } : {}),
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.mcpPort !== undefined ? { mcpPort: options.mcpPort } : {}),
  };
  const missing = [
    ...(answers.name === undefined ? ['--name'] : []),
    ...(answers.baseUri === undefined ? ['--base-uri'] : []),
  ];
  if (missing.length > 0) {
    // Prompts go to the terminal; with `-o -` the capability itself goes to stdout.
    const terminal = process.stdin.isTTY === true && process.stderr.isTTY === true;
    if (!terminal) {
      return usage(
        `missing ${missing.join(' and ')} (required when not on a terminal: naftiko create capability --name <kebab-case> --base-uri <url>)`,
      );
    }
    // A --port or --mcp-port given says what the user wants: the optional questions are then
    // not asked (no MCP adapter unless --mcp-port).
    const optional =
      options.port === undefined && options.mcpPort === undefined
        ? {}
        : { port: options.port ?? '8080', mcpPort: options.mcpPort ?? '' };
    answers = await askMissing(
      { ...optional, ...answers },
      { input: process.stdin, output: process.stderr },
    );
  }

  let text: string;
  try {
    text = scaffoldCapability({
      name: answers.name ?? '',
      baseUri: answers.baseUri ?? '',
      port: parsePort('--port', answers.port ?? '8080'),
      ...(answers.mcpPort !== undefined && answers.mcpPort !== ''
        ? { mcpPort: parsePort('--mcp-port', answers.mcpPort) }
        : {}),
    });
  } catch (err) {
    if (err instanceof NaftikoError) return usage(err.message);
    throw err;
  }

  const output = options.output ?? `${answers.name}.yaml`;
  if (output === '-') {
    io.stdout(text);
    return 0;
  }
  if (existsSync(output) && options.force !== true) {
    return usage(`${output} exists: choose another file (-o) or overwrite it (--force)`);
  }
  try {
    writeFileSync(output, text);
  } catch (err) {
    return usage(`cannot write ${output} (${(err as NodeJS.ErrnoException).code ?? 'unwritable'})`);
  }
  io.stderr(
    `created ${output}\nnext: naftiko validate --strict ${output} && naftiko run ${output}\n`,
  );
  return 0;
}
