/**
 * End-to-end behaviour of `naftiko validate` as documented in the README's CLI reference: exit
 * codes, output formats, --strict, --quiet, folder recursion, globs, --version and --help. Each
 * test runs the built CLI in a real subprocess from the repository root.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, ensureBuilt, runCli } from '../helpers/cli.js';

beforeAll(() => ensureBuilt(), 240_000);

const SEED = 'specs/crm-crm-integration.yaml';
const TREE = 'test/fixtures/tree';
const DANGLING = 'test/fixtures/invalid/dangling-call.yaml';

/** The seed's dialect forms: `line:col rule`, in output order. */
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

/**
 * The seed's one warning that stays a warning with --strict: its REST adapter listens on all
 * interfaces (the default address) and declares no authentication.
 */
const SEED_UNAUTHENTICATED = `${SEED}:69:11 warning adapter-unauthenticated`;

/** The seed's diagnostic heads in output order (by line): its dialect forms at `severity`. */
function seedHeads(severity: 'warning' | 'error'): string[] {
  const dialect = SEED_DIALECT.map((d) => {
    const [pos, rule] = d.split(' ');
    return `${SEED}:${pos} ${severity} ${rule}`;
  });
  return [...dialect.slice(0, 3), SEED_UNAUTHENTICATED, ...dialect.slice(3)];
}

/** Output lines without the trailing empty string. */
function lines(stdout: string): string[] {
  expect(stdout.endsWith('\n')).toBe(true);
  return stdout.slice(0, -1).split('\n');
}

/** `file:line:col severity rule` of each diagnostic line (the message dropped). */
function heads(diagnosticLines: readonly string[]): string[] {
  return diagnosticLines.map((l) => l.split(' ').slice(0, 3).join(' '));
}

interface JsonReport {
  files: {
    file: string;
    valid: boolean;
    diagnostics: {
      severity: string;
      rule: string;
      message: string;
      file: string;
      line: number;
      column: number;
      pointer: string;
    }[];
  }[];
  summary: { files: number; errors: number; warnings: number };
}

describe('exit codes', () => {
  it('0 for the seed at engine level, with its 10 dialect warnings and 1 for its open adapter', async () => {
    const result = await runCli(['validate', SEED]);
    const out = lines(result.stdout);
    expect(heads(out.slice(0, -1))).toEqual(seedHeads('warning'));
    expect(out.at(-1)).toBe('1 file, 0 errors, 11 warnings');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('1 for the seed with --strict: its 10 dialect forms become errors', async () => {
    const result = await runCli(['validate', '--strict', SEED]);
    const out = lines(result.stdout);
    expect(heads(out.slice(0, -1))).toEqual(seedHeads('error'));
    const byRule = new Map<string, number>();
    for (const l of out.slice(0, -1)) {
      const rule = l.split(' ')[2] as string;
      byRule.set(rule, (byRule.get(rule) ?? 0) + 1);
    }
    expect(Object.fromEntries(byRule)).toEqual({
      'dialect-consumed-parameter-fields': 3,
      'dialect-rest-description': 1,
      'dialect-passthrough-output': 6,
      'adapter-unauthenticated': 1,
    });
    expect(out.at(-1)).toBe('1 file, 10 errors, 1 warning');
    expect(result.code).toBe(1);
  });

  it('1 when one of several files has errors', async () => {
    const result = await runCli(['validate', SEED, DANGLING]);
    expect(lines(result.stdout).at(-1)).toBe('2 files, 2 errors, 12 warnings');
    expect(result.code).toBe(1);
  });

  it('2 for a path that does not exist', async () => {
    const result = await runCli(['validate', 'specs/no-such-capability.yaml']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'naftiko: no such file or folder: specs/no-such-capability.yaml [SPEC_NOT_FOUND]\n',
    );
  });

  it('2 for a missing path even when other paths are fine', async () => {
    const result = await runCli(['validate', SEED, 'nope/']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no such file or folder: nope/');
  });

  it('2 for a glob that matches nothing', async () => {
    const result = await runCli(['validate', 'specs/**/*.nothing.yaml']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'naftiko: no capability file matches specs/**/*.nothing.yaml [USAGE_INVALID]\n',
    );
  });

  it('2 for --format xml', async () => {
    const result = await runCli(['validate', '--format', 'xml', SEED]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain("argument 'xml' is invalid");
  });

  it('2 for an unknown option and for no paths at all', async () => {
    expect((await runCli(['validate', '--bogus', SEED])).code).toBe(2);
    expect((await runCli(['validate'])).code).toBe(2);
  });
});

describe('--format json', () => {
  it('prints one object with files[].diagnostics and a summary', async () => {
    const result = await runCli(['validate', '--format', 'json', SEED, DANGLING]);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as JsonReport;
    expect(report.summary).toEqual({ files: 2, errors: 2, warnings: 12 });
    expect(report.files.map((f) => [f.file, f.valid, f.diagnostics.length])).toEqual([
      [SEED, true, 11],
      [DANGLING, false, 3],
    ]);
    expect(report.files[1]?.diagnostics[0]).toMatchObject({
      severity: 'warning',
      rule: 'adapter-unauthenticated',
      line: 18,
      column: 13,
      pointer: '/capability/exposes/0/type',
    });
    expect(report.files[1]?.diagnostics[1]).toEqual({
      severity: 'error',
      rule: 'call-unresolved',
      message:
        'call "crm.nosuchop": consumes namespace "crm" has no operation "nosuchop" (operations: "list-contacts")',
      file: DANGLING,
      line: 28,
      column: 21,
      pointer: '/capability/exposes/0/resources/0/operations/0/call',
    });
    for (const d of report.files[0]?.diagnostics ?? []) {
      expect(d).toMatchObject({ severity: 'warning', file: SEED });
    }
    expect(
      report.files[0]?.diagnostics.filter((d) => !d.rule.startsWith('dialect-')).map((d) => d.rule),
    ).toEqual(['adapter-unauthenticated']);
  });

  it('reports a clean file with an empty diagnostics list', async () => {
    // valid.yaml has a warning (its REST adapter is open); other.yml's MCP adapter is on localhost.
    const clean = `${TREE}/nested/other.yml`;
    const result = await runCli(['validate', '--format', 'json', clean]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      files: [{ file: clean, valid: true, diagnostics: [] }],
      summary: { files: 1, errors: 0, warnings: 0 },
    });
  });
});

describe('--format github', () => {
  it('prints ::error and ::warning workflow commands, then the summary', async () => {
    const result = await runCli(['validate', '--format', 'github', SEED, DANGLING]);
    expect(result.code).toBe(1);
    const out = lines(result.stdout);
    expect(out).toHaveLength(15);
    expect(out[0]).toBe(
      `::warning file=${SEED},line=36,col=11,title=dialect-consumed-parameter-fields::consumed input parameter "body" has \`type\`, \`description\`, \`required\`, which alpha2 defines only for exposed parameters`,
    );
    expect(out[3]).toMatch(
      new RegExp(
        `^::warning file=${SEED},line=69,col=11,title=adapter-unauthenticated::REST adapter`,
      ),
    );
    expect(out.slice(11, 14)).toEqual([
      `::warning file=${DANGLING},line=18,col=13,title=adapter-unauthenticated::REST adapter "contacts-rest" listens on 0.0.0.0 (all interfaces, the default) without authentication: anyone who can reach port 8080 can call it`,
      `::error file=${DANGLING},line=28,col=21,title=call-unresolved::call "crm.nosuchop": consumes namespace "crm" has no operation "nosuchop" (operations: "list-contacts")`,
      `::error file=${DANGLING},line=37,col=17,title=call-unresolved::call "erp.list-contacts": no consumes namespace "erp" (known: "crm")`,
    ]);
    for (const l of out.slice(0, -1)) {
      expect(l).toMatch(/^::(error|warning) file=[^,:]+,line=\d+,col=\d+,title=[a-z0-9-]+::\S/);
    }
    expect(out.at(-1)).toBe('2 files, 2 errors, 12 warnings');
  });
});

describe('--quiet', () => {
  it('hides warnings: the seed prints only the summary', async () => {
    for (const flag of ['-q', '--quiet']) {
      const result = await runCli(['validate', flag, SEED]);
      expect(result.stdout).toBe('1 file, 0 errors, 0 warnings\n');
      expect(result.code).toBe(0);
    }
  });

  it('still prints errors', async () => {
    const result = await runCli(['validate', '-q', SEED, DANGLING]);
    expect(heads(lines(result.stdout).slice(0, -1))).toEqual([
      `${DANGLING}:28:21 error call-unresolved`,
      `${DANGLING}:37:17 error call-unresolved`,
    ]);
    expect(lines(result.stdout).at(-1)).toBe('2 files, 2 errors, 0 warnings');
    expect(result.code).toBe(1);
  });

  it('hides warnings in json too', async () => {
    const result = await runCli(['validate', '-q', '--format', 'json', SEED]);
    const report = JSON.parse(result.stdout) as JsonReport;
    expect(report.files[0]?.diagnostics).toEqual([]);
    expect(report.summary).toEqual({ files: 1, errors: 0, warnings: 0 });
  });
});

describe('paths', () => {
  /** The tree's one diagnostic: valid.yaml's REST adapter is open on the default address. */
  const VALID_UNAUTHENTICATED = `${TREE}/valid.yaml:20:13 warning adapter-unauthenticated REST adapter "contacts-rest" listens on 0.0.0.0 (all interfaces, the default) without authentication: anyone who can reach port 8080 can call it`;

  const TREE_FILES = [
    `${TREE}/nested/other.yml`,
    `${TREE}/nested/shared-consumes.yaml`,
    `${TREE}/valid.yaml`,
  ];

  it('searches a folder recursively for naftiko files and skips other YAML', async () => {
    const result = await runCli(['validate', '--format', 'json', TREE]);
    const report = JSON.parse(result.stdout) as JsonReport;
    expect(report.files.map((f) => f.file)).toEqual(TREE_FILES);
    expect(report.summary).toEqual({ files: 3, errors: 0, warnings: 1 });
    expect(result.code).toBe(0);

    const text = await runCli(['validate', TREE]);
    expect(text.stdout).toBe(`${VALID_UNAUTHENTICATED}\n3 files, 0 errors, 1 warning\n`);
    expect(text.code).toBe(0);
  });

  it('accepts a folder given with a trailing slash or as an absolute path', async () => {
    const slash = await runCli(['validate', '--format', 'json', `${TREE}/`]);
    expect((JSON.parse(slash.stdout) as JsonReport).files.map((f) => f.file)).toEqual(TREE_FILES);
    const absolute = await runCli(['validate', '--format', 'json', path.join(REPO_ROOT, TREE)]);
    expect((JSON.parse(absolute.stdout) as JsonReport).files.map((f) => f.file)).toEqual(
      TREE_FILES.map((f) => path.join(REPO_ROOT, f)),
    );
  });

  it('counts a file once when it is named and also inside a named folder', async () => {
    const result = await runCli(['validate', `${TREE}/valid.yaml`, TREE]);
    expect(result.stdout).toBe(`${VALID_UNAUTHENTICATED}\n3 files, 0 errors, 1 warning\n`);
  });

  it('validates a file named explicitly even without a naftiko key', async () => {
    const file = `${TREE}/nested/not-a-capability.yaml`;
    const result = await runCli(['validate', file]);
    expect(heads(lines(result.stdout).slice(0, -1))).toEqual([`${file}:2:1 error version-missing`]);
    expect(result.code).toBe(1);
  });

  it('expands a quoted glob itself', async () => {
    const result = await runCli(['validate', '--format', 'json', `${TREE}/**/*.yml`]);
    const report = JSON.parse(result.stdout) as JsonReport;
    expect(report.files.map((f) => f.file)).toEqual([`${TREE}/nested/other.yml`]);
    expect(result.code).toBe(0);
  });

  it('resolves paths against the working directory', async () => {
    const result = await runCli(['validate', '--format', 'json', 'valid.yaml'], {
      cwd: path.join(REPO_ROOT, TREE),
    });
    expect((JSON.parse(result.stdout) as JsonReport).files.map((f) => f.file)).toEqual([
      'valid.yaml',
    ]);
    expect(result.code).toBe(0);
  });
});

describe('--version and --help', () => {
  const version = (
    JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }
  ).version;

  it('--version prints the package.json version and exits 0', async () => {
    for (const flag of ['--version', '-v']) {
      const result = await runCli([flag]);
      expect(result.stdout).toBe(`${version}\n`);
      expect(result.code).toBe(0);
    }
  });

  it('--help exits 0 and describes the commands', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: naftiko');
    expect(result.stdout).toContain('validate [options] <paths...>');
  });

  it('validate --help exits 0 and lists the options', async () => {
    const result = await runCli(['validate', '--help']);
    expect(result.code).toBe(0);
    for (const option of ['--strict', '--format <format>', '-q, --quiet']) {
      expect(result.stdout).toContain(option);
    }
  });
});
