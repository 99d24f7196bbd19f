/**
 * The Dockerfile's structure (no Docker engine runs where these tests run: the entry point and
 * health check are exercised in docker-entrypoint.test.ts). Checks what a reviewer would: two
 * stages on Node 20 slim, production dependencies only in the image, a non-root user, the
 * documented mount path, ports, a health check, and a build context that holds what is copied.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support.js';

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

/** Instructions in order, continuation lines joined, comments and blank lines dropped. */
function parseDockerfile(text: string): Instruction[] {
  const joined = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

const dockerfile = readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
const instructions = parseDockerfile(dockerfile);
const stageStarts = instructions.flatMap((ins, i) => (ins.keyword === 'FROM' ? [i] : []));
const stages = stageStarts.map((start, n) => instructions.slice(start, stageStarts[n + 1]));
const build = stages[0] ?? [];
const final = stages.at(-1) ?? [];
const args = (stage: Instruction[], keyword: string) =>
  stage.filter((i) => i.keyword === keyword).map((i) => i.args);

describe('Dockerfile', () => {
  it('has a build stage and a runtime stage, both on Node 20 slim', () => {
    expect(stages.length).toBe(2);
    for (const stage of stages) expect(stage[0]!.args).toMatch(/^node:20(-[a-z]+)?-slim(\s|$)/);
    expect(build[0]!.args).toMatch(/\sAS build$/i);
    expect(args(final, 'COPY').some((a) => a.startsWith('--from=build '))).toBe(true);
  });

  it('builds by packing the package and installs it with production dependencies only', () => {
    const runs = args(build, 'RUN').join('\n');
    expect(runs).toMatch(/npm pack/);
    expect(runs).toMatch(/npm ci --omit=dev/);
    // The runtime stage installs nothing: it copies the installed package.
    expect(args(final, 'RUN').join('\n')).not.toMatch(/npm (ci|install|i)\b/);
  });

  it('runs as a non-root user', () => {
    const users = args(final, 'USER');
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^(root|0)(:|$)/);
    const userAt = final.findIndex((i) => i.keyword === 'USER');
    const entryAt = final.findIndex((i) => i.keyword === 'ENTRYPOINT');
    expect(userAt).toBeLessThan(entryAt);
  });

  it('takes the capability at /capability, the path docs/docker.md documents', () => {
    expect(args(final, 'ENV').join(' ')).toMatch(/NAFTIKO_CAPABILITY=\/capability(\s|$)/);
    expect(args(final, 'VOLUME').join(' ')).toContain('/capability');
    const doc = readFileSync(path.join(REPO_ROOT, 'docs', 'docker.md'), 'utf8');
    expect(doc).toMatch(/:\/capability(:ro)?\b/);
    expect(doc).toContain('NAFTIKO_CAPABILITY');
  });

  it('exposes ports and checks health with docker/healthcheck.sh', () => {
    expect(args(final, 'EXPOSE').join(' ')).toMatch(/\b\d+\b/);
    const [healthcheck] = args(final, 'HEALTHCHECK');
    expect(healthcheck).toMatch(/--interval=\d+s/);
    expect(healthcheck).toMatch(/CMD \["\/usr\/local\/bin\/naftiko-healthcheck"\]/);
    expect(args(final, 'COPY')).toContain(
      'docker/healthcheck.sh /usr/local/bin/naftiko-healthcheck',
    );
    expect(args(final, 'COPY')).toContain('docker/entrypoint.sh /usr/local/bin/naftiko-entrypoint');
    expect(args(final, 'ENTRYPOINT')).toEqual(['["/usr/local/bin/naftiko-entrypoint"]']);
  });

  it('copies only files that exist and that .dockerignore lets into the build context', () => {
    const ignore = readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    expect(ignore[0]).toBe('**'); // everything out, then each needed path back in
    const allowed = ignore.slice(1).map((l) => l.replace(/^!/, '').replace(/\/$/, ''));
    const sources = instructions
      .filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from='))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect(existsSync(path.join(REPO_ROOT, source)), source).toBe(true);
      const covered =
        allowed.includes(source) ||
        allowed.some((a) => a.startsWith(`${source}/`) || source.startsWith(`${a}/`));
      expect(covered, `${source} is excluded by .dockerignore`).toBe(true);
    }
  });
});
