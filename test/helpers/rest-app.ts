/**
 * Builds a REST adapter's fastify app from an inline capability for `app.inject()` tests:
 * validate the YAML (failing loudly on errors), create its runtime with every consumes block
 * pointed at real upstreams on 127.0.0.1 port 0, and close everything in afterEach with
 * `closeRestApps()`.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createRuntime } from '../../src/engine/runtime.js';
import type { Runtime, RuntimeOptions } from '../../src/engine/runtime.js';
import { buildRestApp } from '../../src/exposes/rest/rest-adapter.js';
import type { RestAdapterOptions } from '../../src/exposes/rest/rest-adapter.js';
import { createValidator } from '../../src/spec/validate.js';
import type { ExposesRest } from '../../src/spec/types.js';
import { startUpstream } from '../consumes/http/helpers/upstream.js';
import type { Handler, Upstream } from '../consumes/http/helpers/upstream.js';

export type { Handler, Upstream };
export { yaml } from './validate.js';

const open: { close(): Promise<void> }[] = [];

/** Closes every app, runtime and upstream opened since the last call. */
export async function closeRestApps(): Promise<void> {
  await Promise.all(open.splice(0).map((o) => o.close()));
}

/** A real upstream (node:http, 127.0.0.1, port 0), closed by `closeRestApps()`. */
export async function upstream(handler?: Handler): Promise<Upstream> {
  const server = await startUpstream(handler);
  open.push(server);
  return server;
}

export interface RestAppOptions extends RestAdapterOptions {
  /** Consumes namespace → upstream (or URL); `*` applies to every namespace. */
  readonly upstreams?: Readonly<Record<string, Upstream | string>>;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly totalTimeoutMs?: number;
  /** Which REST adapter (default: the first one). */
  readonly adapter?: string;
}

export interface RestApp {
  readonly app: FastifyInstance;
  readonly runtime: Runtime;
}

export async function restApp(text: string, options: RestAppOptions = {}): Promise<RestApp> {
  const result = await createValidator().validateText('/tmp/inline-capability.yaml', text);
  if (result.capability === undefined) {
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    throw new Error(
      `invalid test capability:\n${errors.map((d) => `${d.line}:${d.column} ${d.rule} ${d.message}`).join('\n')}`,
    );
  }
  const baseUris = new Map<string, string>();
  for (const [ns, target] of Object.entries(options.upstreams ?? {})) {
    baseUris.set(ns, typeof target === 'string' ? target : target.url);
  }
  const runtimeOptions: RuntimeOptions = {
    baseUris,
    env: options.env ?? {},
    connectTimeoutMs: 2_000,
    totalTimeoutMs: options.totalTimeoutMs ?? 5_000,
  };
  const runtime = createRuntime(result.capability, runtimeOptions);
  open.push(runtime);
  const adapters = (result.capability.doc.capability?.exposes ?? []).filter(
    (a): a is ExposesRest =>
      a.type === 'rest' && (options.adapter === undefined || a.namespace === options.adapter),
  );
  const adapter = adapters[0];
  if (adapter === undefined) throw new Error('the test capability has no such REST adapter');
  const app = buildRestApp(adapter, runtime, options);
  open.push(app);
  await app.ready();
  return { app, runtime };
}

/** The parsed JSON body of an injected response. */
export function body<T = Record<string, unknown>>(res: LightMyRequestResponse): T {
  return JSON.parse(res.body) as T;
}

/** The request's single upstream request (fails when there were none or several). */
export function only(up: Upstream) {
  if (up.requests.length !== 1) {
    throw new Error(`expected one upstream request, got ${up.requests.length}`);
  }
  return up.last();
}
