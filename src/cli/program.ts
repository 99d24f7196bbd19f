/**
 * The commander program: declares the commands and options, and maps usage errors to exit 2.
 * Commands are thin: they parse options and call into the spec/engine layers.
 */
import { Command, CommanderError, Option } from 'commander';
import { ERROR_CATALOGUE, toNaftikoError } from '../errors.js';
import { packageVersion } from '../package-info.js';
import type { ControlCommandOptions } from './commands/control.js';
import type { RunOptions } from './commands/run.js';
import { addLimitOptions } from './limit-options.js';
import { collectPair } from './run-options.js';
import type { OutputFormat } from './output/format-diagnostics.js';
import type { ImportOpenApiOptions } from './commands/import-openapi.js';
import type { ExportOpenApiOptions } from './commands/export-openapi.js';
import type { CreateCapabilityOptions } from './commands/create-capability.js';
import type { InspectOptions } from './commands/inspect.js';

/** A repeatable option's values, in order. */
function collectValue(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** For long-running commands (run): resolves when they should stop (SIGINT/SIGTERM). */
  readonly untilStopped?: () => Promise<unknown>;
}

/** Runs the CLI with the given arguments; resolves to the process exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode = 0;
  const program = new Command()
    .name('naftiko')
    .description('Validate and run Naftiko capability documents.')
    .version(packageVersion(), '-v, --version')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run with --help for usage)');

  program
    .command('validate')
    .description(
      'Validate capability documents: files, folders (every *.yaml, *.yml, *.json with a top-level `naftiko` key) and globs.',
    )
    .argument('<paths...>', 'files, folders or glob patterns')
    .option(
      '--strict',
      'official 1.0.0-alpha2 conformance: dialect forms and a non-target version are errors',
    )
    .addOption(
      new Option('--format <format>', 'output format')
        .choices(['text', 'json', 'github'])
        .default('text'),
    )
    .option('-q, --quiet', 'report errors only')
    .option(
      '--max-warnings <n>',
      'fail (exit 1) when there are more than n warnings, as ESLint does (default: no limit)',
    )
    .action(
      async (
        paths: string[],
        opts: { strict?: boolean; format: OutputFormat; quiet?: boolean; maxWarnings?: string },
      ) => {
        // Loaded on demand, like `run`: each command loads only what it needs.
        const { validateCommand } = await import('./commands/validate.js');
        exitCode = await validateCommand(paths, opts, io);
      },
    );

  const run = program
    .command('run')
    .description(
      'Serve capabilities: validate each, then start its adapters; stop on SIGINT/SIGTERM.',
    )
    .argument('<specs...>', 'capability files or folders')
    .option(
      '--watch',
      'reload a capability when its file, or a file it imports or binds, changes (an invalid edit keeps the old version serving)',
    )
    .option(
      '--base-uri <ns=url>',
      'override a consumes baseUri (repeatable; * = every namespace)',
      collectPair,
    )
    .option(
      '--port <ns=port>',
      'override an adapter port (repeatable; * = every adapter; 0 = any free port)',
      collectPair,
    )
    .option(
      '--address <ns=address>',
      'override an adapter address (repeatable; * = every adapter)',
      collectPair,
    )
    .option('--env-file <path>', 'read bound variables from a .env file (the environment wins)')
    .option(
      '--stdio',
      'serve the MCP adapter on stdin/stdout (logs on stderr); network adapters are not started',
    )
    .option('--mcp-stateless', 'MCP over HTTP without sessions (GET and DELETE answer 405)')
    .option(
      '--workers <n>',
      'serve with n worker processes sharing the ports (auto: one per core; env NAFTIKO_WORKERS)',
    )
    .option(
      '--timeout <ms>',
      'total timeout of each upstream call, in milliseconds (default 30000)',
    )
    .addOption(
      new Option('--log-level <level>', 'log level')
        .choices(['debug', 'info', 'warn', 'error', 'silent'])
        .default('info'),
    )
    .addOption(
      new Option('--log-format <format>', 'log format')
        .choices(['pretty', 'json'])
        .default('pretty'),
    );
  // Inbound limits (MCP sessions, URL and head sizes, rate), each with an environment twin.
  addLimitOptions(run).action(
    async (specs: string[], opts: Omit<RunOptions, 'shutdown'> & { workers?: string }) => {
      const { workers: workersOption, ...runOptions } = opts;
      const workers = workersOption ?? process.env['NAFTIKO_WORKERS'];
      if (workers !== undefined && process.env['NAFTIKO_WORKER'] !== '1') {
        // The primary of --workers: forks, supervises and stops the workers; serves nothing.
        const { parseWorkers, runWorkers } = await import('./commands/workers.js');
        const count = parseWorkers(workers);
        if (count === undefined) {
          io.stderr(
            `naftiko: --workers must be a whole number from 1 to 256, or auto (got ${workers}) [USAGE_INVALID]\n`,
          );
          exitCode = 2;
          return;
        }
        if (runOptions.stdio === true) {
          io.stderr(
            'naftiko: --workers cannot serve stdio: an MCP client talks to one process [USAGE_INVALID]\n',
          );
          exitCode = 2;
          return;
        }
        exitCode = await runWorkers(count, io.untilStopped?.(), io);
        return;
      }
      // Loaded on demand: `validate` does not need the servers (fastify, undici).
      const { runCommand } = await import('./commands/run.js');
      const shutdown = io.untilStopped?.();
      exitCode = await runCommand(specs, { ...runOptions, ...(shutdown ? { shutdown } : {}) }, io);
      // A worker of --workers: its IPC channel to the primary would keep it alive.
      // (Node's cluster ends a disconnected worker with code 0: the code goes over IPC first.)
      if (process.env['NAFTIKO_WORKER'] === '1' && process.send !== undefined) {
        const code = exitCode;
        process.send({ naftikoWorkerExit: code }, () => process.disconnect());
      }
    },
  );

  // Authoring: start from an OpenAPI description, scaffold, describe, export.
  program
    .command('import')
    .description('Create a capability from another description.')
    .command('openapi')
    .description(
      'An OpenAPI (3.0, 3.1) or Swagger 2.0 description (YAML or JSON, local $refs) → a capability that passes validate --strict.',
    )
    .argument('<source>', 'an OpenAPI file, or a folder of them (one capability each)')
    .option(
      '-o, --output <path>',
      'write here (a file; a folder for a folder source); default stdout',
    )
    .option('--namespace <name>', 'the consumes namespace (default: from the API title)')
    .addOption(
      new Option('--format <format>', 'output format').choices(['yaml', 'json']).default('yaml'),
    )
    .option(
      '--include <tag-or-operationId>',
      'only these operations, by tag or operationId (repeatable)',
      collectValue,
    )
    .option(
      '--exclude <tag-or-operationId>',
      'leave these operations out, by tag or operationId (repeatable)',
      collectValue,
    )
    .option('--consumes-only', 'a shared consumes file: no REST or MCP adapter')
    .option('--rest-port <port>', 'the REST adapter port (default 8080)')
    .option('--mcp-port <port>', 'the MCP adapter port (default 9090)')
    .action(async (source: string, opts: ImportOpenApiOptions) => {
      const { importOpenApiCommand } = await import('./commands/import-openapi.js');
      exitCode = await importOpenApiCommand(source, opts, io);
    });
  program
    .command('export')
    .description('Describe a capability in another format.')
    .command('openapi')
    .description(
      'The OpenAPI document a REST adapter serves at /openapi.json, without starting servers.',
    )
    .argument('<capability>', 'a capability file')
    .option('-o, --output <file>', 'write here; default stdout')
    .option('--adapter <namespace>', 'the REST adapter (default: the first one)')
    .addOption(
      new Option('--spec-version <version>', 'OpenAPI version')
        .choices(['3.1', '3.0'])
        .default('3.1'),
    )
    .addOption(
      new Option('--format <format>', 'output format').choices(['json', 'yaml']).default('json'),
    )
    .action(async (capability: string, opts: ExportOpenApiOptions) => {
      const { exportOpenApiCommand } = await import('./commands/export-openapi.js');
      exitCode = await exportOpenApiCommand(capability, opts, io);
    });
  program
    .command('create')
    .description('Scaffold a new document.')
    .command('capability')
    .description(
      'A new capability that validates --strict and runs: from flags, or prompts on a terminal.',
    )
    .option('--name <name>', 'the capability name (kebab-case)')
    .option('--base-uri <url>', "the upstream API's base URI")
    .option('--port <port>', 'the REST adapter port (default 8080)')
    .option('--mcp-port <port>', 'also an MCP adapter, on this port')
    .option('-o, --output <file>', 'write here (default <name>.yaml; - for stdout)')
    .option('--force', 'overwrite an existing file')
    .action(async (opts: CreateCapabilityOptions) => {
      const { createCapabilityCommand } = await import('./commands/create-capability.js');
      exitCode = await createCapabilityCommand(opts, io);
    });
  program
    .command('inspect')
    .description(
      'What a capability would serve (adapter, route or tool, upstream call, inputs, auth), without starting servers.',
    )
    .argument('<capability>', 'a capability file')
    .addOption(
      new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'),
    )
    .action(async (capability: string, opts: InspectOptions) => {
      const { inspectCommand } = await import('./commands/inspect.js');
      exitCode = await inspectCommand(capability, opts, io);
    });

  // Control commands: ask a running engine's control adapter (control-target.ts says which).
  const control = (name: string, description: string) =>
    program
      .command(name)
      .description(description)
      .option(
        '--port <port>',
        'the control adapter port (else NAFTIKO_CONTROL_PORT, else the first control adapter declared in this folder)',
      )
      .option('--address <address>', 'its address (else NAFTIKO_CONTROL_ADDRESS, else localhost)')
      .option(
        '--token <token>',
        'a bearer token for a locked control adapter (else NAFTIKO_CONTROL_TOKEN)',
      );
  control(
    'health',
    'Is the running capability ready? Exit 0 when every adapter has started, 1 otherwise.',
  )
    .option('--live', 'liveness only: is the process serving?')
    .addOption(
      new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'),
    )
    .action(async (opts: ControlCommandOptions) => {
      const { healthCommand } = await import('./commands/control.js');
      exitCode = await healthCommand(opts, io);
    });
  control('status', 'The running capability: label, versions, uptime, adapters (management.info).')
    .addOption(
      new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'),
    )
    .action(async (opts: ControlCommandOptions) => {
      const { statusCommand } = await import('./commands/control.js');
      exitCode = await statusCommand(opts, io);
    });
  control('metrics', "The running capability's Prometheus metrics (observability.metrics).")
    .option('--filter <text>', 'only the metrics whose name contains this text')
    .action(async (opts: ControlCommandOptions) => {
      const { metricsCommand } = await import('./commands/control.js');
      exitCode = await metricsCommand(opts, io);
    });
  control(
    'traces',
    "The running capability's recent traces (observability.traces), or one trace by id.",
  )
    .argument('[id]', 'a trace id: show its spans')
    .option('--operation <name>', 'only traces of this operation or tool')
    .option('--status <status>', 'only traces with this status: ok, error, 502, 5xx...')
    .option('--limit <n>', 'at most this many traces')
    .addOption(
      new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'),
    )
    .action(async (id: string | undefined, opts: ControlCommandOptions) => {
      const { tracesCommand } = await import('./commands/control.js');
      exitCode = await tracesCommand(id, opts, io);
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      return err.exitCode === 0 ? 0 : ERROR_CATALOGUE.USAGE_INVALID.exitCode;
    }
    const error = toNaftikoError(err);
    io.stderr(`naftiko: ${error.message} [${error.code}]\n`);
    return error.spec.exitCode;
  }
}
