/**
 * Serves a capability's REST and MCP adapters over real HTTP on 127.0.0.1 (port 0) in this
 * process, the way `naftiko run` starts them (authentication compiled from the spec), with every
 * consumes block pointed at test upstreams. `closeServed()` (afterEach) stops everything.
 */
import { createRuntime } from '../../../../src/engine/runtime.js';
import type { Runtime } from '../../../../src/engine/runtime.js';
import type { RunningAdapter } from '../../../../src/exposes/adapter.js';
import type { RefusalEvent } from '../../../../src/exposes/auth/guard.js';
import { startMcpHttpAdapter } from '../../../../src/exposes/mcp/mcp-http.js';
import { startRestAdapter } from '../../../../src/exposes/rest/rest-adapter.js';
import { createValidator } from '../../../../src/spec/validate.js';
import type { Upstream } from '../../../consumes/http/helpers/upstream.js';

const open: { close(): Promise<void> }[] = [];

export async function closeServed(): Promise<void> {
  const all = open.splice(0).reverse();
  for (const o of all) await o.close();
}

export interface Served {
  /** namespace → base URL (`http://127.0.0.1:port`, plus `/mcp` for MCP adapters). */
  readonly urls: Map<string, string>;
  readonly runtime: Runtime;
  readonly refusals: RefusalEvent[];
  readonly warnings: string[];
}

export async function serve(
  text: string,
  options: {
    readonly upstreams?: Readonly<Record<string, Upstream | string>>;
    readonly env?: Readonly<Record<string, string | undefined>>;
  } = {},
): Promise<Served> {
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
  const runtime = createRuntime(result.capability, {
    baseUris,
    env: options.env ?? {},
    connectTimeoutMs: 2_000,
    totalTimeoutMs: 5_000,
  });
  open.push(runtime);
  const urls = new Map<string, string>();
  const refusals: RefusalEvent[] = [];
  const warnings: string[] = [];
  const common = {
    port: 0,
    address: '127.0.0.1',
    onRefused: (e: RefusalEvent) => void refusals.push(e),
    onWarning: (_event: string, message: string) => void warnings.push(message),
  };
  for (const adapter of result.capability.doc.capability?.exposes ?? []) {
    let running: RunningAdapter | undefined;
    if (adapter.type === 'rest') running = await startRestAdapter(adapter, runtime, common);
    else if (adapter.type === 'mcp') running = await startMcpHttpAdapter(adapter, runtime, common);
    if (running === undefined) continue;
    const stop = running;
    open.push({ close: () => stop.stop(500) });
    urls.set(running.namespace, running.url);
  }
  return { urls, runtime, refusals, warnings };
}
