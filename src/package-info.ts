/** Reads this package's own version (for `--version` and, later, the MCP server info). */
import { readFileSync } from 'node:fs';

let cached: string | undefined;

export function packageVersion(): string {
  if (cached === undefined) {
    const url = new URL('../package.json', import.meta.url);
    cached = (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
  }
  return cached;
}
