/**
 * `naftiko export openapi <capability>`: the OpenAPI document a REST adapter serves at
 * `/openapi.json`, built by the same function (exposes/rest/openapi.ts), without starting servers
 * or contacting upstreams. 3.1 as served, or 3.0.3 (`--spec-version 3.0`, authoring/openapi-30.ts);
 * JSON or YAML. Bound variables may be absent: the document does not depend on their values,
 * except an API key's name written as a template over one (then exit 2 naming it).
 * Exit 1: the capability is invalid (diagnostics as `validate` prints them); 2: usage.
 */
import { writeFileSync } from 'node:fs';
import jsYaml from 'js-yaml';
import { ERROR_CATALOGUE, NaftikoError } from '../../errors.js';
import { describingRuntime, loadCapability, unboundIn } from '../../authoring/load-capability.js';
import { openApiTo30 } from '../../authoring/openapi-30.js';
import { buildOpenApi } from '../../exposes/rest/openapi.js';
import type { ExposesRest } from '../../spec/types.js';
import type { CliIo } from '../program.js';

export interface ExportOpenApiOptions {
  /** Write here; stdout when absent (or `-`). */
  readonly output?: string;
  /** The REST adapter's namespace; the first REST adapter when absent. */
  readonly adapter?: string;
  readonly specVersion: '3.1' | '3.0';
  readonly format: 'json' | 'yaml';
}

export async function exportOpenApiCommand(
  capabilityFile: string,
  options: ExportOpenApiOptions,
  io: CliIo,
): Promise<number> {
  const loaded = await loadCapability(capabilityFile, io);
  if (typeof loaded === 'number') return loaded;
  const rest = (loaded.doc.capability?.exposes ?? []).filter(
    (a): a is ExposesRest => a.type === 'rest',
  );
  const usage = (message: string) => {
    io.stderr(`naftiko: ${message} [USAGE_INVALID]\n`);
    return ERROR_CATALOGUE.USAGE_INVALID.exitCode;
  };
  if (rest.length === 0) {
    return usage(`${capabilityFile} has no REST adapter: there is no OpenAPI document to export`);
  }
  const adapter =
    options.adapter === undefined ? rest[0] : rest.find((a) => a.namespace === options.adapter);
  if (adapter === undefined) {
    return usage(
      `no REST adapter "${options.adapter}" in ${capabilityFile} (REST adapters: ${rest.map((a) => a.namespace).join(', ')})`,
    );
  }

  const runtime = describingRuntime(loaded);
  let document: Record<string, unknown>;
  try {
    document = buildOpenApi(adapter, runtime);
  } finally {
    await runtime.close();
  }
  const unbound = unboundIn(JSON.stringify(document));
  if (unbound.length > 0) {
    const error = new NaftikoError(
      'BINDING_UNRESOLVED',
      `the OpenAPI document of "${adapter.namespace}" depends on the value of ${unbound.join(', ')}, which has none here: set it (environment or its binding's file)`,
    );
    io.stderr(`naftiko: ${error.message} [${error.code}]\n`);
    return error.spec.exitCode;
  }
  if (options.specVersion === '3.0') document = openApiTo30(document);

  const text =
    options.format === 'yaml'
      ? jsYaml.dump(document, { noRefs: true, lineWidth: -1 })
      : `${JSON.stringify(document, null, 2)}\n`;
  if (options.output === undefined || options.output === '-') {
    io.stdout(text);
    return 0;
  }
  try {
    writeFileSync(options.output, text);
  } catch (err) {
    return usage(
      `cannot write ${options.output} (${(err as NodeJS.ErrnoException).code ?? 'unwritable'})`,
    );
  }
  io.stderr(
    `wrote ${options.output}: OpenAPI ${options.specVersion === '3.0' ? '3.0.3' : '3.1.0'} of REST adapter "${adapter.namespace}"\n`,
  );
  return 0;
}
