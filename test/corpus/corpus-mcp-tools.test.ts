/**
 * Every MCP tool of every engine-valid corpus capability is listed with an inputSchema that is a
 * valid JSON Schema (checked with ajv against the 2020-12 meta-schema), as `naftiko run` would
 * list it. Runs in process: the tools are compiled exactly as the MCP adapter compiles them.
 */
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { NaftikoError } from '../../src/errors.js';
import { describe, expect, it } from 'vitest';
import { createRuntime } from '../../src/engine/runtime.js';
import { compileTools } from '../../src/exposes/mcp/index.js';
import { createValidator } from '../../src/spec/validate.js';
import { CORPUS_DIR, corpusAvailable, readCorpusIndex } from '../helpers/corpus.js';

describe.skipIf(!corpusAvailable)('MCP tools of the corpus', () => {
  it('have valid JSON Schema inputSchemas and unique names per adapter', async () => {
    const ajv = new Ajv2020({ strict: false });
    const validator = createValidator();
    let files = 0;
    let tools = 0;
    const problems: string[] = [];
    const refused: string[] = [];
    for (const row of readCorpusIndex()) {
      const result = await validator.validateFile(path.join(CORPUS_DIR, row.file));
      const capability = result.capability;
      const adapters = (capability?.doc.capability?.exposes ?? []).filter((a) => a.type === 'mcp');
      if (capability === undefined || adapters.length === 0) continue;
      // Bound variables get placeholder values: only the tool definitions are looked at.
      const env = new Proxy({}, { get: (_t, key) => (typeof key === 'string' ? 'x' : undefined) });
      let runtime;
      try {
        runtime = createRuntime(capability, {
          env,
          baseUris: new Map([['*', 'http://127.0.0.1:9']]),
        });
      } catch {
        continue; // file:// bindings absent from the flattened corpus
      }
      files++;
      for (const adapter of adapters) {
        if (adapter.type !== 'mcp') continue;
        const names = new Set<string>();
        let compiled;
        try {
          compiled = compileTools(adapter, runtime);
        } catch (err) {
          // A script step refused at load (a Python step, or a script folder the flattened
          // corpus lacks) stops the capability, as it should; there are no tools to look at.
          if (err instanceof NaftikoError && err.message.startsWith('script step "')) {
            refused.push(row.file);
            continue;
          }
          throw err;
        }
        for (const { definition } of compiled) {
          tools++;
          if (!ajv.validateSchema(definition.inputSchema)) {
            problems.push(`${row.file} ${definition.name}: ${ajv.errorsText(ajv.errors)}`);
          }
          if (definition.inputSchema.type !== 'object')
            problems.push(`${row.file} ${definition.name}: not an object schema`);
          if (names.has(definition.name))
            problems.push(`${row.file} ${definition.name}: listed twice`);
          names.add(definition.name);
        }
      }
      await runtime.close();
    }
    console.log(
      `MCP tools of the corpus: ${tools} tools in ${files} engine-valid files, ${problems.length} problems`,
    );
    expect(problems).toEqual([]);
    expect(tools).toBeGreaterThan(1000);
    // Only the reference project's script-step example (Python, and /app/capabilities/scripts).
    expect(refused).toEqual([expect.stringMatching(/script-step\.yaml$/)]);
  }, 120_000);
});
