import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { filePath, resolveBindings } from '../../src/engine/bindings.js';
import { createRedactor } from '../../src/engine/redact.js';
import type { CapabilityDocument } from '../../src/spec/types.js';

const dir = mkdtempSync(path.join(tmpdir(), 'naftiko-binds-'));
writeFileSync(path.join(dir, 'secrets.yaml'), 'API_TOKEN: from-yaml\n');
writeFileSync(path.join(dir, 'secrets.json'), '{"API_TOKEN": "from-json"}');
writeFileSync(path.join(dir, 'secrets.env'), 'API_TOKEN=from-dotenv\n');

const doc = (binds: unknown[]): CapabilityDocument =>
  ({ naftiko: '1.0.0-alpha2', binds }) as unknown as CapabilityDocument;
const resolve = (
  binds: unknown[],
  env: Record<string, string> = {},
  envFile?: Record<string, string>,
) => resolveBindings(doc(binds), { baseDir: dir, env, ...(envFile ? { envFile } : {}) });

describe('bindings', () => {
  it('reads the environment, completed by --env-file (the environment wins)', () => {
    const b = resolve(
      [{ namespace: 'env', keys: { TOKEN: 'GONG_API_KEY', OTHER: 'OTHER' } }],
      { GONG_API_KEY: 'from-env' },
      {
        GONG_API_KEY: 'from-file',
        OTHER: 'other-from-file',
      },
    );
    expect(b.lookup('TOKEN')).toBe('from-env');
    expect(b.lookup('env.TOKEN')).toBe('from-env');
    expect(b.lookup('env.OTHER')).toBe('other-from-file');
    expect(b.secrets).toEqual(['from-env', 'other-from-file']);
  });

  it('reads file:// YAML, JSON and .env files relative to the capability folder', () => {
    for (const [file, expected] of [
      ['file://./secrets.yaml', 'from-yaml'],
      ['file:///./secrets.json', 'from-json'],
      ['file://secrets.env', 'from-dotenv'],
      [`file://${path.join(dir, 'secrets.yaml')}`, 'from-yaml'],
    ] as const) {
      const b = resolve([{ namespace: 'vault', location: file, keys: { KEY: 'API_TOKEN' } }]);
      expect(b.lookup('vault.KEY'), file).toBe(expected);
    }
    expect(filePath('file:///etc/x.yaml', dir)).toBe('/etc/x.yaml');
  });

  it('stops with an error naming the variable and the binding, never a value', () => {
    expect(() => resolve([{ namespace: 'env', keys: { TOKEN: 'MISSING_VAR' } }])).toThrowError(
      expect.objectContaining({
        code: 'BINDING_UNRESOLVED',
        message:
          'bound variable TOKEN (binding "env") has no value: environment variable MISSING_VAR is not set',
      }),
    );
    expect(() =>
      resolve([{ namespace: 'files', location: 'file://./secrets.yaml', keys: { T: 'NOPE' } }]),
    ).toThrowError(
      expect.objectContaining({
        code: 'BINDING_UNRESOLVED',
        message: expect.stringContaining('key NOPE is missing'),
      }),
    );
    expect(() =>
      resolve([{ namespace: 'v', location: 'vault://secret/x', keys: { T: 'T' } }]),
    ).toThrowError(expect.objectContaining({ code: 'BINDING_PROVIDER_UNSUPPORTED' }));
  });

  it('redacts bound values (longest first), leaving short ones alone', () => {
    const redact = createRedactor(['s3cret-token', 's3cret', 'on']);
    expect(redact('Bearer s3cret-token and s3cret, on')).toBe(
      'Bearer [redacted] and [redacted], on',
    );
  });
});
