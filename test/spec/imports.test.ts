import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createValidator } from '../../src/spec/validate.js';

const dir = mkdtempSync(path.join(tmpdir(), 'naftiko-imports-'));
mkdirSync(path.join(dir, 'shared'));
const write = (name: string, text: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
};

write(
  'shared/crm.yaml',
  `naftiko: "1.0.0-alpha2"
consumes:
  - type: http
    namespace: crm
    description: CRM API
    baseUri: https://api.example.org
    resources:
      - name: items
        path: /items
        operations:
          - name: list-items
            method: GET
`,
);
write(
  'shared/broken.yaml',
  'naftiko: "1.0.0-alpha2"\nconsumes:\n  - type: http\n    namespace: crm\n',
);
write(
  'shared/capability.yaml',
  'naftiko: "1.0.0-alpha2"\ncapability:\n  exposes: [{ type: rest, namespace: r, port: 1 }]\n',
);

function capability(location: string, extra = 'import: crm', call = 'crm.list-items'): string {
  return `naftiko: "1.0.0-alpha2"
capability:
  consumes:
    - location: ${JSON.stringify(location)}
      ${extra}
  exposes:
    - type: rest
      namespace: api
      port: 8080
      resources:
        - path: /items
          description: Items
          operations:
            - method: GET
              call: ${call}
`;
}

/**
 * The capability's REST adapter (its `type` on line 7, one lower with an `as` line) has no address
 * and no authentication: not what is tested here, but reported all the same.
 */
const open = (line = 7): string =>
  `${line}:13 adapter-unauthenticated REST adapter "api" listens on 0.0.0.0 (all interfaces, the default) without authentication: anyone who can reach port 8080 can call it`;
const OPEN = open();

async function check(text: string): Promise<string[]> {
  const result = await createValidator().validateFile(write(`cap-${Math.random()}.yaml`, text));
  return result.diagnostics.map(
    (d) => `${d.line}:${d.column} ${d.rule} ${d.message.replace(dir, '<dir>')}`,
  );
}

describe('imported consumes', () => {
  it('resolves a relative location, a file: URL, and an `as` alias', async () => {
    expect(await check(capability('./shared/crm.yaml'))).toEqual([OPEN]);
    expect(await check(capability(pathToFileURL(path.join(dir, 'shared/crm.yaml')).href))).toEqual([
      OPEN,
    ]);
    expect(
      await check(
        capability('shared/crm.yaml', 'import: crm\n      as: sales', 'sales.list-items'),
      ),
    ).toEqual([open(8)]);
  });

  it('reports what cannot be resolved, once, at the import', async () => {
    expect(await check(capability('./shared/nope.yaml'))).toEqual([
      expect.stringMatching(
        /^4:17 import-unresolved imported file not found: ".\/shared\/nope.yaml"/,
      ),
      OPEN,
    ]);
    expect(await check(capability('https://example.org/crm.yaml'))).toEqual([
      '4:17 import-unresolved import location "https://example.org/crm.yaml" is not a file path (only local files can be imported)',
      OPEN,
    ]);
    expect(await check(capability('./shared/capability.yaml'))).toEqual([
      '4:17 import-unresolved "./shared/capability.yaml" is not a shared consumes file (it has no root `consumes` list)',
      OPEN,
    ]);
    expect(await check(capability('./shared/crm.yaml', 'import: erp', 'erp.list-items'))).toEqual([
      '5:15 import-unresolved "./shared/crm.yaml" has no consumes namespace "erp"',
      OPEN,
    ]);
    expect(await check(capability('./shared'))).toEqual([
      expect.stringMatching(/^4:17 import-unresolved imported file cannot be read \(EISDIR\)/),
      OPEN,
    ]);
  });

  it('reports an imported file with errors of its own', async () => {
    const [diagnostic] = await check(capability('./shared/broken.yaml'));
    expect(diagnostic).toMatch(
      /^4:17 import-invalid imported file ".\/shared\/broken.yaml" has 1 error; first: /,
    );
  });
});
