/**
 * The runtime's compile step for a capability that validated, as `naftiko run` performs it but
 * without listening: the runtime (bindings, consumers), then every exposed unit the way the
 * adapters compile them — REST apps built and made ready (routes, invocations, OpenAPI), MCP
 * tools, resources and prompts, skill catalogues. Inbound authentication is compiled but never
 * warmed up (no OAuth 2.0 discovery). Every app and the runtime are closed again.
 */
import { createRuntime } from '../../src/engine/runtime.js';
import type { Runtime } from '../../src/engine/runtime.js';
import { compileAdapterAuth } from '../../src/exposes/auth/adapter-auth.js';
import { compilePrompts } from '../../src/exposes/mcp/prompts.js';
import { compileResources } from '../../src/exposes/mcp/resources.js';
import { compileTools } from '../../src/exposes/mcp/tool-definitions.js';
import { buildRestApp } from '../../src/exposes/rest/rest-adapter.js';
import { buildSkillApp } from '../../src/exposes/skill/skill-adapter.js';
import type { LoadedCapability } from '../../src/spec/validate.js';

/** Every bound variable gets a placeholder value: only compilation is looked at. */
const ENV: Readonly<Record<string, string | undefined>> = new Proxy(
  {},
  { get: (_t, key) => (typeof key === 'string' ? 'x' : undefined) },
);

/** Nothing listens there; nothing is sent anyway. */
const NOWHERE = new Map([['*', 'http://127.0.0.1:9']]);

/** Compiles everything; throws what the engine throws. */
export async function compileCapability(capability: LoadedCapability): Promise<void> {
  const runtime = createRuntime(capability, {
    env: ENV,
    baseUris: NOWHERE,
    connectTimeoutMs: 100,
    totalTimeoutMs: 100,
  });
  try {
    await compileAdapters(capability, runtime);
  } finally {
    await runtime.close();
  }
}

async function compileAdapters(capability: LoadedCapability, runtime: Runtime): Promise<void> {
  for (const adapter of capability.doc.capability?.exposes ?? []) {
    if (adapter.type === 'mcp') {
      compileTools(adapter, runtime);
      compileResources(adapter, runtime);
      compilePrompts(adapter, runtime);
      continue;
    }
    if (adapter.type !== 'rest' && adapter.type !== 'skill') continue;
    const authenticator =
      adapter.authentication === undefined
        ? undefined
        : await compileAdapterAuth(
            { ...adapter, authentication: adapter.authentication },
            runtime.bound,
          );
    const options = authenticator ? { authenticator } : {};
    const app =
      adapter.type === 'rest'
        ? buildRestApp(adapter, runtime, options)
        : buildSkillApp(adapter, runtime, options);
    try {
      await app.ready();
    } finally {
      await app.close();
      await authenticator?.close?.();
    }
  }
}
