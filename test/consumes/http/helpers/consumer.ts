/**
 * Builds HTTP consumers from inline consumes blocks for tests, and closes everything a test
 * opened (consumers and upstreams) with `cleanup()` in afterEach.
 */
import type { NaftikoError } from '../../../../src/errors.js';
import type { HttpConsumer, HttpConsumerOptions } from '../../../../src/consumes/http/index.js';
import { createHttpConsumer } from '../../../../src/consumes/http/index.js';
import type { ResolvedConsumes } from '../../../../src/spec/imports.js';
import type { SourceDocument } from '../../../../src/spec/source-document.js';
import type { Lookup } from '../../../../src/spec/template.js';
import type { ConsumesHttp } from '../../../../src/spec/types.js';
import { startUpstream, type Handler, type Upstream } from './upstream.js';

const open: { close(): Promise<void> }[] = [];

export async function cleanup(): Promise<void> {
  await Promise.all(open.splice(0).map((o) => o.close()));
}

export async function upstream(handler?: Handler): Promise<Upstream> {
  const server = await startUpstream(handler);
  open.push(server);
  return server;
}

/** A lookup over a plain record (for `variables` and `scope`). */
export function lookupOf(values: Record<string, unknown> = {}): Lookup {
  return (name) => values[name];
}

export const noScope: Lookup = () => undefined;

export function consumer(
  spec: Omit<ConsumesHttp, 'type' | 'namespace'> & { namespace?: string },
  options: Partial<HttpConsumerOptions> = {},
): HttpConsumer {
  const full: ConsumesHttp = { type: 'http', namespace: 'up', ...spec };
  const resolved: ResolvedConsumes = {
    namespace: full.namespace,
    spec: full,
    source: { file: '/tmp/inline.yaml' } as SourceDocument,
    path: ['capability', 'consumes', 0],
  };
  const created = createHttpConsumer(resolved, {
    connectTimeoutMs: 2_000,
    totalTimeoutMs: 5_000,
    variables: lookupOf(),
    env: {},
    ...options,
  });
  open.push(created);
  return created;
}

/** The operation `name` of a consumer (throws when it does not exist). */
export function op(c: HttpConsumer, name = 'op') {
  const found = c.operation(name);
  if (found === undefined) throw new Error(`no operation ${name}`);
  return found;
}

/** Resolves with the error a promise rejects with (fails when it resolves). */
export async function failure(promise: Promise<unknown>): Promise<NaftikoError> {
  try {
    await promise;
  } catch (err) {
    return err as NaftikoError;
  }
  throw new Error('expected a rejection');
}
