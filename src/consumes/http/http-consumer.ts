/**
 * The outbound HTTP consumer of one `consumes` block (contract §5): every operation compiled at
 * construction (templates, parameters, bodies, credentials), connection pools per upstream
 * origin shared by the block's operations, closed by close().
 *
 * Decisions where the contract is silent are written in the header of the file that owns them:
 * effective-parameters.ts, parameter-values.ts, request-url.ts, serialize-parameters.ts,
 * request-body.ts, text-body-template.ts, json-body-data.ts, form-body.ts, auth.ts,
 * digest-auth.ts, send-request.ts, transport-error.ts, decode-response.ts, default-headers.ts.
 */
import path from 'node:path';
import type { ResolvedConsumes } from '../../spec/imports.js';
import type { Lookup } from '../../spec/template.js';
import { compileAuth } from './auth.js';
import {
  compileOperation,
  type ConsumedOperation,
  type UpstreamResponse,
} from './consumed-operation.js';
import type { RequestContext } from '../../observability/request-context.js';
import { compileForward, type ForwardRequest } from './forward-request.js';
import { metrics } from '../../observability/metrics.js';
import { PoolRegistry } from './pools.js';
import type { CircuitEvent, ResilienceOptions } from './resilience.js';

export type { ConsumedParameter } from './effective-parameters.js';
export type { ConsumedOperation, InvokeOptions, UpstreamResponse } from './consumed-operation.js';
export type { ForwardRequest } from './forward-request.js';

export interface HttpConsumerOptions {
  /** Replaces the spec's baseUri (from `naftiko run --base-uri ns=url`). */
  baseUri?: string;
  connectTimeoutMs: number;
  /** The whole exchange, body and a digest retry included. */
  totalTimeoutMs: number;
  /** Bound variables for templates in baseUri, auth fields and parameter values: resolves `VAR` and `ns.VAR`. */
  variables: Lookup;
  /** Process environment for `in: environment` parameters (default process.env). */
  env?: Record<string, string | undefined>;
  /** Largest upstream response body read, in bytes (32 MiB by default). */
  maxBodyBytes?: number;
  /** Retries and circuit breaking (resilience.ts defaults when absent). */
  resilience?: ResilienceOptions;
  /** Circuit state changes, for the log (metrics record them anyway). */
  onCircuit?: (event: CircuitEvent) => void;
}

export interface HttpConsumer {
  readonly namespace: string;
  /** The first operation of that name across the block's resources. */
  operation(name: string): ConsumedOperation | undefined;
  /** Proxies a request under the base URI with the block's credentials (REST `forward`, §7). */
  forward(
    request: ForwardRequest,
    signal?: AbortSignal,
    context?: RequestContext,
  ): Promise<UpstreamResponse>;
  close(): Promise<void>;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
export const DEFAULT_TOTAL_TIMEOUT_MS = 30_000;

export function createHttpConsumer(
  consumes: ResolvedConsumes,
  options: HttpConsumerOptions,
): HttpConsumer {
  const { namespace, spec } = consumes;
  const pools = new PoolRegistry(
    {
      ...options,
      onCircuit: (event) => {
        const recorder = metrics();
        if (recorder.enabled) recorder.recordCircuit(event.namespace, event.origin, event.state);
        options.onCircuit?.(event);
      },
    },
    namespace,
  );
  const ctx = {
    namespace,
    spec,
    baseUri: options.baseUri ?? spec.baseUri,
    variables: options.variables,
    env: options.env ?? process.env,
    totalTimeoutMs: options.totalTimeoutMs,
    auth: compileAuth(spec.authentication, options.variables, namespace),
    pools,
    baseDir: path.dirname(path.resolve(consumes.source.file)),
  };
  const operations = new Map<string, ConsumedOperation>();
  for (const resource of spec.resources ?? []) {
    for (const op of resource.operations) {
      if (!operations.has(op.name)) operations.set(op.name, compileOperation(ctx, resource, op));
    }
  }
  return {
    namespace,
    operation: (name) => operations.get(name),
    forward: compileForward(ctx),
    close: () => pools.close(),
  };
}
