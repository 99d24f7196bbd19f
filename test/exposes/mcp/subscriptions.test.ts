/**
 * Resource subscriptions (createResourceWatch) on real files in a temp folder: what is
 * subscribable (static files and files inside listed folders, not dynamic or escaping URIs), a
 * write or an editor's rename-replace calls the subscriber within a second, bursts are debounced,
 * unwatch stops the calls, subscribers share one fs watcher per folder, and unwatching everything
 * or close() leaves no watcher open (the process's active FSEventWrap count returns).
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRuntime } from '../../../src/engine/runtime.js';
import type { Runtime } from '../../../src/engine/runtime.js';
import { compileResources } from '../../../src/exposes/mcp/resources.js';
import { createResourceWatch } from '../../../src/exposes/mcp/subscriptions.js';
import type {
  ResourceWatch,
  ResourceWatchOptions,
} from '../../../src/exposes/mcp/subscriptions.js';
import { createValidator } from '../../../src/spec/validate.js';
import { yaml } from '../../helpers/validate.js';

let dir: string;
const runtimes: Runtime[] = [];
const watches: ResourceWatch[] = [];

beforeEach(async () => {
  dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'naftiko-mcp-watch-')));
  await fs.mkdir(path.join(dir, 'docs/guides'), { recursive: true });
  await fs.writeFile(path.join(dir, 'notes.txt'), 'v1');
  await fs.writeFile(path.join(dir, 'other.txt'), 'other');
  await fs.writeFile(path.join(dir, 'docs/readme.md'), '# v1');
  await fs.writeFile(path.join(dir, 'docs/guides/setup.md'), 'setup v1');
  await fs.writeFile(path.join(dir, 'secret.txt'), 'secret');
  await fs.symlink(path.join(dir, 'secret.txt'), path.join(dir, 'docs/escape.txt'));
});
afterEach(async () => {
  for (const w of watches.splice(0)) w.close();
  await Promise.all(runtimes.splice(0).map((r) => r.close()));
  await fs.rm(dir, { recursive: true, force: true });
});

async function watchOf(options?: ResourceWatchOptions): Promise<ResourceWatch> {
  const url = (p: string): string => pathToFileURL(path.join(dir, p)).href;
  const text = yaml`
    naftiko: 1.0.0-alpha2
    info:
      label: Watched
      description: Watched resources.
    capability:
      consumes:
        - type: http
          namespace: items
          baseUri: http://items.invalid
          resources:
            - name: item
              path: /items/{{id}}
              operations:
                - name: get-item
                  method: GET
      exposes:
        - type: mcp
          namespace: watch-mcp
          port: 9090
          description: Watched.
          tools:
            - name: get-item
              description: One item.
              call: items.get-item
          resources:
            - name: notes
              label: Notes
              uri: notes://main
              description: One file.
              location: ${url('notes.txt')}
            - name: other
              label: Other
              uri: notes://other
              description: Another file in the same folder.
              location: ${url('other.txt')}
            - name: docs
              label: Docs
              uri: docs://all
              description: A folder.
              location: ${url('docs')}
            - name: item
              label: Item
              uri: items://{id}
              description: A dynamic resource.
              call: items.get-item
            - name: gone
              label: Gone
              uri: gone://file
              description: A file that does not exist.
              location: ${url('missing.txt')}
  `;
  const result = await createValidator().validateText(path.join(dir, 'capability.yaml'), text);
  if (result.capability === undefined) {
    throw new Error(result.diagnostics.map((d) => `${d.line} ${d.message}`).join('\n'));
  }
  const runtime = createRuntime(result.capability, { env: {} });
  runtimes.push(runtime);
  const adapter = result.capability.doc.capability?.exposes?.find((a) => a.type === 'mcp');
  if (adapter?.type !== 'mcp') throw new Error('no MCP adapter');
  const watch = createResourceWatch(compileResources(adapter, runtime), options);
  watches.push(watch);
  return watch;
}

/** The fs watchers this process has open (closing one is asynchronous: poll up to 1 s). */
function watchers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'FSEventWrap').length;
}

async function watchersBecome(expected: number): Promise<number> {
  const until = Date.now() + 1000;
  while (watchers() !== expected && Date.now() < until) await sleep(10);
  return watchers();
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Records calls; `next()` resolves at the next call or rejects after `ms`. */
function recorder() {
  const calls: string[] = [];
  let waiting: ((uri: string) => void) | undefined;
  return {
    calls,
    onUpdated(uri: string): void {
      calls.push(uri);
      waiting?.(uri);
    },
    next(ms = 1000): Promise<string> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no update within ${ms} ms`)), ms);
        waiting = (uri) => {
          clearTimeout(timer);
          waiting = undefined;
          resolve(uri);
        };
      });
    },
  };
}

describe('subscriptions: what is subscribable', () => {
  it.each([
    ['notes://main', true],
    ['docs://all/readme.md', true],
    ['docs://all/guides/setup.md', true],
    ['docs://all', false],
    ['docs://all/missing.md', false],
    ['docs://all/guides', false],
    ['docs://all/escape.txt', false],
    ['docs://all/../notes.txt', false],
    ['docs://all/%2e%2e/secret.txt', false],
    ['items://7', false],
    ['gone://file', false],
    ['nothing://here', false],
  ])('%s → %s', async (uri, expected) => {
    const watch = await watchOf();
    expect(watch.subscribable(uri)).toBe(expected);
  });

  it('gives a no-op unwatch for what is not subscribable, without a watcher', async () => {
    const before = watchers();
    const watch = await watchOf();
    const unwatch = watch.watch('items://7', () => undefined);
    expect(watchers()).toBe(before);
    expect(() => unwatch()).not.toThrow();
  });
});

describe('subscriptions: updates', () => {
  it('calls the subscriber within a second when the file is written', async () => {
    const watch = await watchOf();
    const rec = recorder();
    watch.watch('notes://main', rec.onUpdated);
    const next = rec.next();
    await fs.writeFile(path.join(dir, 'notes.txt'), 'v2');
    await expect(next).resolves.toBe('notes://main');
  });

  it('calls it when an editor replaces the file by renaming a new one over it', async () => {
    const watch = await watchOf();
    const rec = recorder();
    watch.watch('notes://main', rec.onUpdated);
    await fs.writeFile(path.join(dir, '.notes.txt.swp'), 'v2');
    await sleep(200); // the temp file's own events, debounced away from the rename
    const next = rec.next();
    await fs.rename(path.join(dir, '.notes.txt.swp'), path.join(dir, 'notes.txt'));
    await expect(next).resolves.toBe('notes://main');
    // The watch survives the replacement: the next save is seen too.
    const again = rec.next();
    await fs.writeFile(path.join(dir, 'notes.txt'), 'v3');
    await expect(again).resolves.toBe('notes://main');
  });

  it('watches a file inside a listed folder, by its own URI only', async () => {
    const watch = await watchOf();
    const setup = recorder();
    const readme = recorder();
    watch.watch('docs://all/guides/setup.md', setup.onUpdated);
    watch.watch('docs://all/readme.md', readme.onUpdated);
    const next = setup.next();
    await fs.writeFile(path.join(dir, 'docs/guides/setup.md'), 'setup v2');
    await expect(next).resolves.toBe('docs://all/guides/setup.md');
    await sleep(250);
    expect(readme.calls).toEqual([]);
  });

  it('ignores changes to other files of the folder', async () => {
    const watch = await watchOf();
    const rec = recorder();
    watch.watch('notes://main', rec.onUpdated);
    await fs.writeFile(path.join(dir, 'other.txt'), 'changed');
    await fs.writeFile(path.join(dir, 'unrelated.txt'), 'new');
    await sleep(400);
    expect(rec.calls).toEqual([]);
  });

  it('debounces a burst of writes into one call per subscriber', async () => {
    // A wider quiet time than the default 100 ms keeps the burst one burst on a loaded machine.
    const watch = await watchOf({ debounceMs: 300 });
    const a = recorder();
    const b = recorder();
    watch.watch('notes://main', a.onUpdated);
    watch.watch('notes://main', b.onUpdated);
    for (let i = 0; i < 5; i++) {
      await fs.writeFile(path.join(dir, 'notes.txt'), `burst ${i}`);
      await sleep(20);
    }
    await sleep(800);
    expect(a.calls).toEqual(['notes://main']);
    expect(b.calls).toEqual(['notes://main']);
  });

  it('stops calling a subscriber once it unwatches; the other one still gets calls', async () => {
    const watch = await watchOf();
    const a = recorder();
    const b = recorder();
    const unwatchA = watch.watch('notes://main', a.onUpdated);
    watch.watch('notes://main', b.onUpdated);
    unwatchA();
    unwatchA(); // twice is harmless and does not drop b
    const next = b.next();
    await fs.writeFile(path.join(dir, 'notes.txt'), 'v2');
    await next;
    await sleep(200);
    expect(a.calls).toEqual([]);
    expect(b.calls).toEqual(['notes://main']);
  });

  it('makes no call after the last unwatch, even for a change already pending', async () => {
    const watch = await watchOf({ debounceMs: 300 });
    const rec = recorder();
    const unwatch = watch.watch('notes://main', rec.onUpdated);
    await fs.writeFile(path.join(dir, 'notes.txt'), 'v2');
    await sleep(50);
    unwatch();
    await fs.writeFile(path.join(dir, 'notes.txt'), 'v3');
    await sleep(500);
    expect(rec.calls).toEqual([]);
  });

  it('reports a subscriber that throws through onError and still calls the others', async () => {
    const errors: [string, string | undefined][] = [];
    const watch = await watchOf({ onError: (err, uri) => errors.push([err.message, uri]) });
    const rec = recorder();
    watch.watch('notes://main', () => {
      throw new Error('subscriber failed');
    });
    watch.watch('notes://main', rec.onUpdated);
    const next = rec.next();
    await fs.writeFile(path.join(dir, 'notes.txt'), 'v2');
    await expect(next).resolves.toBe('notes://main');
    expect(errors).toEqual([['subscriber failed', 'notes://main']]);
  });
});

describe('subscriptions: watchers', () => {
  it('opens one watcher per folder for every subscriber and closes it with the last', async () => {
    const before = watchers();
    const watch = await watchOf();
    const unwatch = [
      watch.watch('notes://main', () => undefined),
      watch.watch('notes://main', () => undefined),
      watch.watch('notes://other', () => undefined),
    ];
    expect(watchers()).toBe(before + 1);
    const inFolder = watch.watch('docs://all/readme.md', () => undefined);
    expect(watchers()).toBe(before + 2);
    inFolder();
    expect(await watchersBecome(before + 1)).toBe(before + 1);
    unwatch[0]?.();
    unwatch[2]?.();
    expect(watchers()).toBe(before + 1);
    unwatch[1]?.();
    expect(await watchersBecome(before)).toBe(before);
  });

  it('opens a new watcher when a URI is watched again after its last unwatch', async () => {
    const before = watchers();
    const watch = await watchOf();
    watch.watch('notes://main', () => undefined)();
    expect(await watchersBecome(before)).toBe(before);
    const rec = recorder();
    watch.watch('notes://main', rec.onUpdated);
    expect(watchers()).toBe(before + 1);
    const next = rec.next();
    await fs.writeFile(path.join(dir, 'notes.txt'), 'v2');
    await expect(next).resolves.toBe('notes://main');
  });

  it('close() closes every watcher; nothing is called or opened afterwards', async () => {
    const before = watchers();
    const watch = await watchOf({ debounceMs: 200 });
    const rec = recorder();
    watch.watch('notes://main', rec.onUpdated);
    watch.watch('docs://all/guides/setup.md', rec.onUpdated);
    watch.watch('docs://all/readme.md', rec.onUpdated);
    expect(watchers()).toBe(before + 3);
    await fs.writeFile(path.join(dir, 'notes.txt'), 'pending');
    await sleep(50);
    watch.close();
    expect(await watchersBecome(before)).toBe(before);
    await fs.writeFile(path.join(dir, 'notes.txt'), 'after close');
    const late = watch.watch('notes://main', rec.onUpdated);
    expect(watchers()).toBe(before);
    late();
    await sleep(400);
    expect(rec.calls).toEqual([]);
  });
});
