/**
 * Shared bits of the tutorial acceptance test (tutorial-auth.test.ts, steps 1–11): where the Shipyard
 * tutorial lives (../shared/tutorial, read in place), its secrets, the two upstream stand-ins,
 * one step started with the real CLI against them, and small MCP helpers (a raw JSON-RPC POST
 * that shows the HTTP status, and the SDK client with a bearer header).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import yaml from 'js-yaml';
import { expect } from 'vitest';
import { startOpenApiStandIn } from '../helpers/openapi-stand-in.js';
import type { OpenApiStandIn } from '../helpers/openapi-stand-in.js';
import { REPO_ROOT, startCapability } from '../helpers/run-capability.js';
import type { RunningCapability } from '../helpers/run-capability.js';

export const TUTORIAL_DIR = path.resolve(REPO_ROOT, '../shared/tutorial');
export const CAPABILITIES_DIR = path.join(TUTORIAL_DIR, 'capabilities');
export const tutorialAvailable = existsSync(CAPABILITIES_DIR);

/** The tutorial's own `shared/secrets.yaml` (provider key → value). */
export function tutorialSecrets(): Record<string, string> {
  const file = path.join(CAPABILITIES_DIR, 'shared', 'secrets.yaml');
  return yaml.load(readFileSync(file, 'utf8')) as Record<string, string>;
}

export interface Upstreams {
  readonly registry: OpenApiStandIn;
  readonly legacy: OpenApiStandIn;
}

/**
 * The Maritime Registry (bearer) and the Legacy Dockyard (API key, XML) on loopback.
 * `publicRegistry`: the registry also answers callers without a token, as its public tier does
 * (step 2 calls it before step 3 adds the bearer token).
 */
export async function startUpstreams(
  registryToken: string,
  dockyardKey: string,
  options: { readonly publicRegistry?: boolean } = {},
) {
  const upstreams = path.join(TUTORIAL_DIR, 'upstreams');
  const [registry, legacy] = await Promise.all([
    startOpenApiStandIn(path.join(upstreams, 'naftiko-shipyard-maritime-registry-api.yaml'), {
      bearerToken: registryToken,
      allowAnonymous: options.publicRegistry === true,
    }),
    startOpenApiStandIn(path.join(upstreams, 'naftiko-shipyard-legacy-dockyard-api.yaml'), {
      apiKey: dockyardKey,
    }),
  ]);
  return { registry, legacy } satisfies Upstreams;
}

/** A tutorial step file, loosely typed: only what the test reads. */
export interface StepDocument {
  readonly capability: {
    readonly consumes?: readonly { namespace?: string; import?: string; as?: string }[];
    readonly exposes: readonly {
      type: string;
      namespace: string;
      authentication?: unknown;
      description?: string;
    }[];
  };
}

export function stepFile(step: number): string {
  const name = readdirSync(CAPABILITIES_DIR).find((f) => f.startsWith(`step-${step}-`));
  if (name === undefined) throw new Error(`no step-${step}-*.yml in ${CAPABILITIES_DIR}`);
  return path.join(CAPABILITIES_DIR, name);
}

export function stepDocument(step: number): StepDocument {
  return yaml.load(readFileSync(stepFile(step), 'utf8')) as StepDocument;
}

/** Consumes namespaces of a step, inline and imported (`import`, or its `as`). */
export function consumesNamespaces(doc: StepDocument): string[] {
  return (doc.capability.consumes ?? []).map((c) => c.namespace ?? c.as ?? c.import ?? '');
}

/**
 * `naftiko run <step>` in place (binds resolve against the tutorial folder), every consumes
 * namespace pointed at the stand-in that plays it: `--base-uri registry=… --base-uri legacy=…`.
 */
export function startStep(step: number, upstreams: Upstreams): Promise<RunningCapability> {
  const urls: Record<string, string> = {
    registry: upstreams.registry.url,
    legacy: upstreams.legacy.url,
  };
  const args = consumesNamespaces(stepDocument(step)).flatMap((ns) => {
    const url = urls[ns];
    if (url === undefined) throw new Error(`step ${step}: no stand-in plays "${ns}"`);
    return ['--base-uri', `${ns}=${url}`];
  });
  // The files bind 0.0.0.0 (for Docker); a test listens on loopback only.
  return startCapability(stepFile(step), [...args, '--address', '*=127.0.0.1']);
}

export const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 'tutorial-acceptance', version: '1.0.0' },
  },
} as const;

/** One raw JSON-RPC POST to an MCP endpoint; the status, challenge and text of the answer. */
export async function mcpPost(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; challenge: string | null; text: string }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  return { status: response.status, challenge: response.headers.get('www-authenticate'), text };
}

/** The SDK's own client over Streamable HTTP, sending `Authorization: Bearer <token>` if given. */
export async function connectMcp(url: string, token?: string): Promise<Client> {
  const client = new Client({ name: 'tutorial-acceptance', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(
    new URL(url),
    token === undefined ? {} : { requestInit: { headers: { Authorization: `Bearer ${token}` } } },
  );
  await client.connect(transport);
  return client;
}

export interface ToolOutcome {
  readonly isError: boolean;
  readonly text: string;
  /** The text parsed as JSON; undefined when it is not JSON (an error message). */
  readonly json: unknown;
  readonly structured: unknown;
}

export async function callTool(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
): Promise<ToolOutcome> {
  const result = (await client.callTool({ name, arguments: args })) as {
    content: { type: string; text?: string }[];
    isError?: boolean;
    structuredContent?: unknown;
  };
  const text = result.content.map((c) => c.text ?? '').join('');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { isError: result.isError === true, text, json, structured: result.structuredContent };
}

/** Asserts a successful tool result and returns its JSON. */
export function ok(outcome: ToolOutcome): unknown {
  expect(outcome.isError, outcome.text).toBe(false);
  return outcome.json;
}
