/**
 * `naftiko import openapi <file|dir>`: OpenAPI 3.0/3.1 or Swagger 2.0 → a capability document that
 * passes `validate --strict` (src/import/). A folder source gives one capability per OpenAPI file
 * (`-o` is then a folder). Everything is converted before anything is written, so a bad source
 * leaves no file behind. Skipped parts are YAML comments and `warning:` lines on stderr.
 * Exit 0, or 2 with one `naftiko: <reason> [CODE]` line.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { NaftikoError, toNaftikoError } from '../../errors.js';
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

function port(value: string | undefined, option: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new NaftikoError(
      'USAGE_INVALID',
      `${option} must be a port number (1-65535), not "${value}"`,
    );
  return n;
}

interface Converted {
  readonly source: string;
  readonly text: string;
  readonly warnings: readonly string[];
}

export async function importOpenApiCommand(
  source: string,
  options: ImportOpenApiOptions,
  io: CliIo,
): Promise<number> {
  try {
    const restPort = port(options.restPort, '--rest-port', 8080);
    const mcpPort = port(options.mcpPort, '--mcp-port', 9090);
    if (options.namespace !== undefined && !/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(options.namespace))
      throw new NaftikoError(
        'USAGE_INVALID',
        `--namespace must be kebab-case (letters, digits, '-'), not "${options.namespace}"`,
      );
    const { findOpenApiFiles, loadOpenApi, sourceKind } =
      await import('../../import/load-openapi.js');
    const { openApiToCapability } = await import('../../import/openapi-to-capability.js');
    const { writeYaml } = await import('../../import/yaml-writer.js');

    const kind = await sourceKind(source);
    if (kind === undefined)
      throw new NaftikoError('SPEC_NOT_FOUND', `no such file or folder: ${source}`);
    const files = kind === 'dir' ? await findOpenApiFiles(source) : [source];
    if (kind === 'dir' && files.length === 0)
      throw new NaftikoError('USAGE_INVALID', `no OpenAPI description in ${source}`);
    if (kind === 'dir' && options.output === undefined)
      throw new NaftikoError(
        'USAGE_INVALID',
        'a folder source needs -o <folder> (one capability per file)',
      );
    if (kind === 'dir' && options.namespace !== undefined && files.length > 1)
      throw new NaftikoError(
        'USAGE_INVALID',
        '--namespace names one API: it cannot apply to a folder of several',
      );

    const converted: Converted[] = [];
    for (const file of files) {
      const doc = await loadOpenApi(file);
      let result;
      try {
        result = openApiToCapability(doc, {
          ...(options.namespace !== undefined ? { namespace: options.namespace } : {}),
          include: options.include ?? [],
          exclude: options.exclude ?? [],
          consumesOnly: options.consumesOnly === true,
          restPort,
          mcpPort,
          sourceName: path.basename(file),
        });
      } catch (err) {
        throw new NaftikoError('USAGE_INVALID', `${file}: ${(err as Error).message}`);
      }
      const text =
        options.format === 'json'
          ? `${JSON.stringify(result.document, null, 2)}\n`
          : writeYaml(result.document, { header: result.header, comments: result.comments });
      converted.push({ source: file, text, warnings: result.warnings });
    }

    // Nothing is written until every file converted.
    const extension = options.format === 'json' ? '.json' : '.yaml';
    // `-o` an existing folder with a file source: the file goes in it.
    const intoFolder =
      kind === 'dir' ||
      (options.output !== undefined && (await sourceKind(options.output)) === 'dir');
    // A folder source keeps each file's path under it (d/x/api.yaml → <out>/x/api.yaml).
    const relative = (file: string): string =>
      kind === 'dir' ? path.relative(source, file) : path.basename(file);
    const targets: { file: string | undefined; item: Converted }[] = converted.map((item) => ({
      file: intoFolder
        ? path.join(
            options.output as string,
            `${relative(item.source).replace(/\.(ya?ml|json)$/i, '')}${extension}`,
          )
        : options.output,
      item,
    }));
    const seen = new Map<string, string>();
    for (const { file, item } of targets) {
      if (file === undefined || file === '-') continue;
      const key = path.resolve(file);
      const other = seen.get(key);
      if (other !== undefined)
        throw new NaftikoError(
          'USAGE_INVALID',
          `${other} and ${item.source} would both be written to ${file}: rename one (nothing was written)`,
        );
      seen.set(key, item.source);
    }
    const sources = new Set(files.map((f) => path.resolve(f)));
    const clash = targets.find((t) => t.file !== undefined && sources.has(path.resolve(t.file)));
    if (clash !== undefined)
      throw new NaftikoError(
        'USAGE_INVALID',
        `-o would overwrite the OpenAPI description ${clash.file as string}`,
      );
    if (intoFolder) await mkdir(options.output as string, { recursive: true });
    for (const { file, item } of targets) {
      for (const warning of item.warnings)
        io.stderr(
          `naftiko: warning: ${kind === 'dir' ? relative(item.source) : path.basename(item.source)}: ${warning}\n`,
        );
      if (file === undefined || file === '-') io.stdout(item.text);
      else {
        await mkdir(path.dirname(file), { recursive: true });
        await writeFile(file, item.text, 'utf8');
        io.stderr(`naftiko: wrote ${file}\n`);
      }
    }
    return 0;
  } catch (err) {
    const error = toNaftikoError(err);
    io.stderr(`naftiko: ${error.message.split('\n')[0] ?? ''} [${error.code}]\n`);
    return 2;
  }
}
