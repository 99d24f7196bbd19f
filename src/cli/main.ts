#!/usr/bin/env node
/** Process entry point of the `naftiko` command: runs the program and sets the exit code. */
import { runCli } from './program.js';

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  // Installed only by commands that run until stopped (a validate run keeps Ctrl-C's default).
  untilStopped: () =>
    new Promise<NodeJS.Signals>((resolve) => {
      for (const signal of ['SIGINT', 'SIGTERM'] as const)
        process.once(signal, () => resolve(signal));
    }),
});
