/**
 * The runtime of one capability: its bound variables, one HTTP consumer per consumes namespace,
 * and the compiled invocations of whatever the adapters expose. Transport-agnostic: REST and MCP
 * adapters are thin skins over `invocation(...).run(inputs)`.
 */
import path from 'node:path';
import { createHttpConsumer } from '../consumes/http/index.js';
import type {
  CircuitEvent,
  ConsumedOperation,
  HttpConsumer,
  ResilienceOptions,
} from '../consumes/http/index.js';
import type { Lookup } from '../spec/template.js';
import type { AggregateFunction } from '../spec/types.js';
import type { LoadedCapability } from '../spec/validate.js';
import { resolveBindings } from './bindings.js';
import type { BoundVariables } from './bindings.js';
import { compileInvocation } from './invocation.js';
import type { Invocation, InvocationContext, UnitSpec } from './invocation.js';
import { createRedactor } from './redact.js';
import { scriptSettings } from './script-config.js';

export interface RuntimeOptions {
  /** baseUri overrides by consumes namespace; `*` applies to every namespace. */
  readonly baseUris?: ReadonlyMap<string, string>;
  readonly connectTimeoutMs?: number;
  readonly totalTimeoutMs?: number;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly envFile?: Readonly<Record<string, string>>;
  /** Largest upstream response body read, in bytes (32 MiB by default). */
  readonly maxUpstreamBodyBytes?: number;
  /** Retries and circuit breaking of upstream calls (consumes/http/resilience.ts). */
  readonly resilience?: ResilienceOptions;
  /** Circuit state changes of any upstream, for the log. */
  readonly onCircuit?: (event: CircuitEvent) => void;
  /**
   * Bound variables resolved by the caller, instead of from `binds` (for a runtime that only
   * describes what it would serve, e.g. `naftiko export openapi`, where secrets may be absent).
   */
  readonly bound?: BoundVariables;
}

export interface Runtime {
  readonly capability: LoadedCapability;
  readonly bound: Lookup;
  consumer(namespace: string): HttpConsumer | undefined;
  /** Compiles an exposed unit (operation, tool, resource); `namespace` is the exposing adapter's. */
  invocation(unit: UnitSpec, namespace: string): Invocation;
  /** Replaces every bound (secret) value in a text. */
  redact(text: string): string;
  close(): Promise<void>;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
export const DEFAULT_TOTAL_TIMEOUT_MS = 30_000;

export function createRuntime(capability: LoadedCapability, options: RuntimeOptions = {}): Runtime {
  const env = options.env ?? process.env;
  const baseDir = path.dirname(path.resolve(capability.source.file));
  const bound =
    options.bound ??
    resolveBindings(capability.doc, {
      baseDir,
      env,
      ...(options.envFile ? { envFile: options.envFile } : {}),
    });
  const consumers = new Map<string, HttpConsumer>();
  for (const [namespace, resolved] of capability.consumes) {
    const baseUri = options.baseUris?.get(namespace) ?? options.baseUris?.get('*');
    consumers.set(
      namespace,
      createHttpConsumer(resolved, {
        ...(baseUri !== undefined ? { baseUri } : {}),
        connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
        totalTimeoutMs: options.totalTimeoutMs ?? DEFAULT_TOTAL_TIMEOUT_MS,
        variables: bound.lookup,
        env,
        ...(options.maxUpstreamBodyBytes !== undefined
          ? { maxBodyBytes: options.maxUpstreamBodyBytes }
          : {}),
        ...(options.resilience !== undefined ? { resilience: options.resilience } : {}),
        ...(options.onCircuit !== undefined ? { onCircuit: options.onCircuit } : {}),
      }),
    );
  }
  const functions = new Map<string, AggregateFunction>();
  for (const aggregate of capability.doc.capability?.aggregates ?? []) {
    for (const fn of aggregate.functions) functions.set(`${aggregate.namespace}.${fn.name}`, fn);
  }
  const context: InvocationContext = {
    functions,
    bound: bound.lookup,
    scripts: scriptSettings(capability.doc, {
      baseDir,
      env,
      redact: createRedactor(bound.secrets),
    }),
    operation(call: string): ConsumedOperation | undefined {
      const dot = call.indexOf('.');
      return consumers.get(call.slice(0, dot))?.operation(call.slice(dot + 1));
    },
  };
  return {
    capability,
    bound: bound.lookup,
    consumer: (namespace) => consumers.get(namespace),
    invocation: (unit, namespace) =>
      compileInvocation(unit, ['rest', 'tools', 'mcp', namespace], context),
    redact: createRedactor(bound.secrets),
    async close() {
      await Promise.all([...consumers.values()].map((c) => c.close()));
    },
  };
}
