/**
 * docs/ci/validate-capabilities.yml, the GitHub Actions example of docs/ci.md: it installs this
 * package at its own version, and the command line it runs is accepted by our CLI and prints
 * GitHub workflow annotations (`::error file=…,line=…,col=…,title=…::message`).
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import jsYaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli } from '../helpers/cli.js';
import { PACKAGE, REPO_ROOT, SEED, cleanupAll, tempDir } from './support.js';

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Workflow {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  jobs: Record<string, { 'runs-on': string; steps: Step[] }>;
}

const workflow = jsYaml.load(
  readFileSync(path.join(REPO_ROOT, 'docs', 'ci', 'validate-capabilities.yml'), 'utf8'),
) as Workflow;
const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
const validateStep = steps.find((s) => s.run?.trim().startsWith('naftiko validate'));

const ANNOTATION =
  /^::(error|warning) file=([^,]+),line=(\d+),col=(\d+),title=([a-z0-9-]+)::(\S.*)$/;
const SUMMARY = /^\d+ files?, \d+ errors?, \d+ warnings?$/;

let repo: string; // a checkout of a repository of capabilities

beforeAll(() => {
  ensureBuilt();
  repo = tempDir('capabilities-repo');
  mkdirSync(path.join(repo, 'capabilities', 'crm'), { recursive: true });
  copyFileSync(SEED, path.join(repo, 'capabilities', 'crm', 'crm-crm-integration.yaml'));
  // YAML that is not a capability is skipped by the folder search.
  writeFileSync(path.join(repo, 'capabilities', 'owners.yaml'), 'crm: ops@example.com\n');
}, 120_000);

afterAll(async () => {
  await cleanupAll();
}, 180_000);

describe('the GitHub Actions example', () => {
  it('checks out, sets up Node 20 and installs this package at its own version', () => {
    expect(workflow.on).toHaveProperty('pull_request');
    expect(workflow.permissions).toEqual({ contents: 'read' });
    expect(steps.some((s) => s.uses?.startsWith('actions/checkout@'))).toBe(true);
    const node = steps.find((s) => s.uses?.startsWith('actions/setup-node@'));
    expect(String(node?.with?.['node-version'])).toBe('20');
    expect(steps.map((s) => s.run?.trim())).toContain(
      `npm install --global ${PACKAGE.name}@${PACKAGE.version}`,
    );
  });

  it('runs validate --strict --format github on the capabilities folder', () => {
    expect(validateStep?.run?.trim()).toBe(
      'naftiko validate --strict --format github capabilities/',
    );
  });

  it('its command prints one annotation per finding and fails on errors', async () => {
    const argv = validateStep!.run!.trim().split(/\s+/).slice(1); // without `naftiko`
    const r = await runCli(argv, { cwd: repo });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1); // the seed's dialect forms are errors under --strict
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.at(-1)).toMatch(SUMMARY);
    const annotations = lines.slice(0, -1);
    expect(annotations.length).toBeGreaterThan(0);
    for (const line of annotations) expect(line).toMatch(ANNOTATION);
    const parsed = annotations.map((l) => ANNOTATION.exec(l)!);
    expect(new Set(parsed.map((m) => m[2]))).toEqual(
      new Set(['capabilities/crm/crm-crm-integration.yaml']),
    );
    expect(parsed.map((m) => `${m[1]} ${m[3]}:${m[4]} ${m[5]}`)).toContain(
      'error 36:11 dialect-consumed-parameter-fields',
    );
    expect(parsed.some((m) => m[1] === 'warning')).toBe(true);
  });

  it('without --strict the same capabilities pass, with warnings only', async () => {
    const argv = validateStep!
      .run!.trim()
      .split(/\s+/)
      .slice(1)
      .filter((a) => a !== '--strict');
    const r = await runCli(argv, { cwd: repo });
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    for (const line of lines.slice(0, -1)) expect(line).toMatch(/^::warning /);
    expect(lines.at(-1)).toMatch(/^1 file, 0 errors, \d+ warnings$/);
  });
});
