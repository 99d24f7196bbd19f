import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: new URL('../..', import.meta.url).pathname });

/** Lints one line of source as if it were the file at `filePath`; returns the layering messages. */
async function layering(filePath: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${source}\nexport const x = 1;\n`, { filePath });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === 'no-restricted-imports')
    .map((m) => m.message);
}

describe('layering lint rule (cli → exposes → engine → consumes → spec)', () => {
  it('forbids a lower layer importing a higher one', async () => {
    expect(await layering('src/spec/probe.ts', "import '../cli/program.js';")).toEqual([
      expect.stringContaining('src/spec must not import from src/cli'),
    ]);
    expect(await layering('src/engine/probe.ts', "import '../exposes/rest.js';")).toEqual([
      expect.stringContaining('src/engine must not import from src/exposes'),
    ]);
    expect(await layering('src/consumes/http/probe.ts', "import '../../engine/x.js';")).toEqual([
      expect.stringContaining('src/consumes must not import from src/engine'),
    ]);
  });

  it('allows imports that point down the layers, and the leaves from anywhere', async () => {
    expect(await layering('src/cli/probe.ts', "import '../spec/validate.js';")).toEqual([]);
    expect(await layering('src/exposes/probe.ts', "import '../engine/x.js';")).toEqual([]);
    expect(await layering('src/spec/probe.ts', "import '../errors.js';")).toEqual([]);
  });

  it('keeps the leaves free of layers', async () => {
    expect(await layering('src/errors.ts', "import './spec/validate.js';")).toEqual([
      expect.stringContaining('leaf modules must not import from a layer'),
    ]);
  });
});
