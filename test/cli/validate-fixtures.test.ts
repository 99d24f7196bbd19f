/**
 * End-to-end: each hand-written broken fixture in test/fixtures/invalid/ is broken in exactly one
 * way; `naftiko validate` (a real subprocess, run from the repository root) must report exactly
 * these lines, positions included, and exit 1.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli } from '../helpers/cli.js';

beforeAll(() => ensureBuilt(), 240_000);

const DIR = 'test/fixtures/invalid';

interface Case {
  readonly fixture: string;
  readonly lines: readonly string[];
  readonly summary: string;
}

/**
 * The message of `adapter-unauthenticated` for a fixture's REST adapter, which (like the seed's)
 * has no address and no authentication: a warning beside the one way each fixture is broken.
 */
const OPEN = (namespace: string): string =>
  `REST adapter "${namespace}" listens on 0.0.0.0 (all interfaces, the default) without authentication: anyone who can reach port 8080 can call it`;

const CASES: readonly Case[] = [
  {
    // `method: [GET, POST` is never closed; the parser notices on the next line.
    fixture: 'bad-yaml.yaml',
    lines: [
      `${DIR}/bad-yaml.yaml:28:15 error yaml-syntax missed comma between flow collection entries`,
    ],
    summary: '1 file, 1 error, 0 warnings',
  },
  {
    fixture: 'wrong-types.yaml',
    lines: [
      `${DIR}/wrong-types.yaml:16:23 error schema \`/capability/consumes/0/resources/0/operations/0/method\` must be of type string`,
      `${DIR}/wrong-types.yaml:20:13 error schema \`/capability/exposes/0/port\` must be of type integer`,
    ],
    summary: '1 file, 2 errors, 0 warnings',
  },
  {
    fixture: 'unknown-keys.yaml',
    lines: [
      `${DIR}/unknown-keys.yaml:7:7 error schema \`/capability/consumes/0\` is missing the required property \`baseUri\``,
      `${DIR}/unknown-keys.yaml:10:7 error schema unknown property \`baseUrl\` in \`/capability/consumes/0\` (did you mean \`baseUri\`?)`,
      `${DIR}/unknown-keys.yaml:17:15 error schema unknown property \`timeout\` in \`/capability/consumes/0/resources/0/operations/0\``,
    ],
    summary: '1 file, 3 errors, 0 warnings',
  },
  {
    fixture: 'dangling-call.yaml',
    lines: [
      `${DIR}/dangling-call.yaml:18:13 warning adapter-unauthenticated ${OPEN('contacts-rest')}`,
      `${DIR}/dangling-call.yaml:28:21 error call-unresolved call "crm.nosuchop": consumes namespace "crm" has no operation "nosuchop" (operations: "list-contacts")`,
      `${DIR}/dangling-call.yaml:37:17 error call-unresolved call "erp.list-contacts": no consumes namespace "erp" (known: "crm")`,
    ],
    summary: '1 file, 2 errors, 1 warning',
  },
  {
    fixture: 'duplicate-namespace.yaml',
    lines: [
      `${DIR}/duplicate-namespace.yaml:18:13 warning adapter-unauthenticated ${OPEN('crm')}`,
      `${DIR}/duplicate-namespace.yaml:19:18 error namespace-duplicate namespace "crm" (exposes) is already used by consumes`,
    ],
    summary: '1 file, 1 error, 1 warning',
  },
  {
    fixture: 'port-clash.yaml',
    lines: [
      `${DIR}/port-clash.yaml:18:13 warning adapter-unauthenticated ${OPEN('contacts-rest')}`,
      `${DIR}/port-clash.yaml:32:13 error port-conflict mcp adapter "contacts-mcp" listens on localhost:8080, already taken by rest adapter "contacts-rest" (0.0.0.0:8080)`,
      `${DIR}/port-clash.yaml:39:13 error control-port control port 8080 is also used by mcp adapter "contacts-mcp"; give the control adapter a port of its own`,
      `${DIR}/port-clash.yaml:39:13 error control-port control port 8080 is also used by rest adapter "contacts-rest"; give the control adapter a port of its own`,
    ],
    summary: '1 file, 3 errors, 1 warning',
  },
  {
    fixture: 'bad-tool-name.yaml',
    lines: [
      `${DIR}/bad-tool-name.yaml:29:17 error mcp-tool-name tool name "list-contacts" is used twice in this MCP adapter`,
      `${DIR}/bad-tool-name.yaml:32:17 error mcp-tool-name tool name "list-every-contact-of-the-crm-including-archived-and-merged-duplicates" must be 1–64 characters of letters, digits, '_', '-' or '.'`,
    ],
    summary: '1 file, 2 errors, 0 warnings',
  },
  {
    // The call into the unresolved import (crm.list-contacts) is not reported a second time.
    fixture: 'missing-import.yaml',
    lines: [
      `${DIR}/missing-import.yaml:17:17 error import-unresolved imported file not found: "./shared/nope.yaml" (resolved to test/fixtures/invalid/shared/nope.yaml)`,
      `${DIR}/missing-import.yaml:20:13 warning adapter-unauthenticated ${OPEN('contacts-rest')}`,
    ],
    summary: '1 file, 1 error, 1 warning',
  },
  {
    fixture: 'unsupported-version.yaml',
    lines: [
      `${DIR}/unsupported-version.yaml:1:10 error version-unsupported unsupported naftiko version "0.5"; this engine runs "1.0.0-alpha2" (and, with a warning, "1.0.0-alpha1", "1.0.0-alpha3")`,
    ],
    summary: '1 file, 1 error, 0 warnings',
  },
];

describe('naftiko validate on broken fixtures', () => {
  it.each(CASES.map((c) => [c.fixture, c] as const))('%s', async (_name, c) => {
    const result = await runCli(['validate', `${DIR}/${c.fixture}`]);
    expect(result.stderr).toBe('');
    expect(result.stdout.split('\n')).toEqual([...c.lines, c.summary, '']);
    expect(result.code).toBe(1);
  });

  it.each(CASES.map((c) => [c.fixture, c] as const))(
    '%s fails the same way with --strict',
    async (_name, c) => {
      const result = await runCli(['validate', '--strict', `${DIR}/${c.fixture}`]);
      expect(result.stdout.split('\n')).toEqual([...c.lines, c.summary, '']);
      expect(result.code).toBe(1);
    },
  );

  it('reports every broken fixture in one run, file by file, and exits 1', async () => {
    const result = await runCli(['validate', DIR]);
    const files = [...CASES].map((c) => c.fixture).sort();
    const expected = files.flatMap((f) => CASES.find((c) => c.fixture === f)?.lines ?? []);
    const count = (severity: string): number =>
      CASES.reduce((n, c) => n + c.lines.filter((l) => l.split(' ')[1] === severity).length, 0);
    expect(result.stdout.split('\n')).toEqual([
      ...expected,
      `${CASES.length} files, ${count('error')} errors, ${count('warning')} warnings`,
      '',
    ]);
    expect(result.code).toBe(1);
  });
});
