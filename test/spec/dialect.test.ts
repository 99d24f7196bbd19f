import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { brief, briefs, diagnose, yaml } from '../helpers/validate.js';

const seed = readFileSync(new URL('../../specs/crm-crm-integration.yaml', import.meta.url), 'utf8');

/** The seed's dialect forms, with their positions (contract §2, issue "Done means"). */
const SEED_DIALECT = [
  '36:11 dialect-consumed-parameter-fields',
  '58:11 dialect-consumed-parameter-fields',
  '63:11 dialect-consumed-parameter-fields',
  '72:5 dialect-rest-description',
  '87:11 dialect-passthrough-output',
  '94:11 dialect-passthrough-output',
  '104:11 dialect-passthrough-output',
  '123:9 dialect-passthrough-output',
  '133:9 dialect-passthrough-output',
  '146:9 dialect-passthrough-output',
];

/** The seed's REST adapter listens on all interfaces (the default) and declares no authentication. */
const SEED_UNAUTHENTICATED = '69:11 warning adapter-unauthenticated';

describe('engine dialect', () => {
  it('the seed: exactly its dialect forms, warnings at engine level', async () => {
    const found = await diagnose(seed);
    expect(found.map((d) => `${d.line}:${d.column} ${d.severity} ${d.rule}`).sort()).toEqual(
      [...SEED_DIALECT.map((d) => d.replace(' ', ' warning ')), SEED_UNAUTHENTICATED].sort(),
    );
  });

  it('the seed: the same forms, as errors, under --strict', async () => {
    const found = await diagnose(seed, true);
    expect(found.map((d) => `${d.line}:${d.column} ${d.severity} ${d.rule}`).sort()).toEqual(
      [...SEED_DIALECT.map((d) => d.replace(' ', ' error ')), SEED_UNAUTHENTICATED].sort(),
    );
  });

  it('names the extra fields of a consumed parameter', async () => {
    const first = (await diagnose(seed)).find((d) => d.line === 36);
    expect(first?.message).toBe(
      'consumed input parameter "body" has `type`, `description`, `required`, which alpha2 defines only for exposed parameters',
    );
  });

  const doc = yaml`
    naftiko: "1.0.0-alpha2"
    capability:
      consumes:
        - type: http
          namespace: crm
          description: CRM API
          baseUri: https://{{tenant}}.example.org/v1/{{region}}/
          resources:
            - name: list_items
              path: /items/{id}
              operations:
                - name: list_items
                  method: GET
                  inputParameters:
                    - { name: "filter[owner]", in: query }
                    - { name: id, in: path }
      exposes:
        - type: rest
          namespace: crm-rest
          port: 8080
          resources:
            - path: /items/{id}
              description: Items
              operations:
                - method: GET
                  call: crm.list-items
                  outputParameters:
                    - type: array
                      mapping: $.items
  `;

  it('every other form, each under its own rule id', async () => {
    const found = (await diagnose(doc)).filter((d) => d.rule.startsWith('dialect-'));
    expect(found.map(brief)).toEqual([
      '15:27 warning dialect-parameter-name',
      '29:19 warning dialect-passthrough-output',
      '9:17 warning dialect-name-case',
      '12:21 warning dialect-name-case',
      '7:16 warning dialect-base-uri-template',
      '10:17 warning dialect-single-brace-path',
      '7:16 warning dialect-base-uri-trailing-slash',
    ]);
  });

  it('under --strict, forms the official schema rejects are errors; portable-only ones stay warnings', async () => {
    const found = (await diagnose(doc, true)).filter((d) => d.rule.startsWith('dialect-'));
    const severity = Object.fromEntries(found.map((d) => [d.rule, d.severity]));
    expect(severity).toEqual({
      'dialect-parameter-name': 'error',
      'dialect-passthrough-output': 'error',
      'dialect-name-case': 'error',
      'dialect-base-uri-template': 'error',
      'dialect-single-brace-path': 'warning',
      'dialect-base-uri-trailing-slash': 'warning',
    });
  });

  it('a compatible version is a warning, an error under --strict', async () => {
    const alpha3 = seed.replace('naftiko: 1.0.0-alpha2', 'naftiko: 1.0.0-alpha3');
    expect((await briefs(alpha3)).filter((b) => b.includes('version'))).toEqual([
      '1:10 warning version-compatible',
    ]);
    expect((await briefs(alpha3, true)).filter((b) => b.includes('version'))).toEqual([
      '1:10 error version-compatible',
    ]);
  });

  it('unsupported versions stop validation with one clear error', async () => {
    for (const [version, shown] of [
      ['"0.5"', '"0.5"'],
      ['{ major: 1 }', 'a value of type object'],
      ['2', '"2"'],
    ] as const) {
      const found = await diagnose(`naftiko: ${version}\ncapability: {}\n`);
      expect(found.map(brief)).toEqual(['1:10 error version-unsupported']);
      expect(found[0]?.message).toContain(`unsupported naftiko version ${shown}`);
    }
    expect((await diagnose('capability: {}\n')).map(brief)).toEqual(['1:1 error version-missing']);
    expect((await diagnose('- a\n- b\n')).map(brief)).toEqual(['1:1 error document-not-object']);
  });
});
