/**
 * Starts one exposed adapter for `naftiko run`, or says why it is skipped. In stdio mode (the
 * `--stdio` option, or an MCP adapter declared with `transport: stdio`) stdin/stdout belong to
 * the first MCP adapter and network adapters are not started.
 */
import type { Runtime } from '../engine/runtime.js';
import type { RunningAdapter } from '../exposes/adapter.js';
import type { RefusalEvent } from '../exposes/auth/guard.js';
import type { InboundAuthenticator } from '../exposes/auth/inbound-auth.js';
import type { AdapterStates } from '../exposes/control/adapter-states.js';
import type { ExposesAdapter } from '../spec/types.js';
import type { ListenOptions } from '../exposes/adapter.js';
import type { InboundLimits } from './limit-options.js';

// Each adapter type is imported when a capability declares one: a REST-only capability never
// loads the MCP adapter, nor an MCP-only one the REST adapter. (The MCP adapter over HTTP loads
// the SDK itself on its first request: see mcp-http.ts.)
const mcpHttp = () => import('../exposes/mcp/mcp-http.js');
const mcpStdio = () => import('../exposes/mcp/mcp-stdio.js');
const rest = () => import('../exposes/rest/rest-adapter.js');
const control = () => import('../exposes/control/control-adapter.js');
const skill = () => import('../exposes/skill/skill-adapter.js');

export interface StartContext {
  readonly port?: number;
  readonly address?: string;
  /** stdin/stdout are the MCP transport; true while no MCP adapter has claimed them yet. */
  readonly stdio: { enabled: boolean; claimed: boolean };
  readonly stateless: boolean;
  /** The operator's inbound limits (`--rate-limit`, `--mcp-max-sessions`, ...). */
  readonly limits?: InboundLimits;
  /** The adapter's inbound authentication, compiled before any adapter starts (fail closed). */
  readonly authenticator?: InboundAuthenticator;
  readonly onRefused?: (event: RefusalEvent) => void;
  readonly onWarning?: (event: string, message: string) => void;
  readonly onError: (err: unknown) => void;
  /** Every adapter's state, for a control adapter's health and status endpoints. */
  readonly states: AdapterStates;
  /** The stdio client went away: the capability should stop. */
  readonly onStdioClose: () => void;
}

export type StartOutcome = { running: RunningAdapter } | { skipped: string };

export async function startAdapter(
  adapter: ExposesAdapter,
  runtime: Runtime,
  ctx: StartContext,
): Promise<StartOutcome> {
  if (ctx.stdio.enabled) {
    if (adapter.type !== 'mcp') return { skipped: 'stdio mode: network adapters are not started' };
    if (ctx.stdio.claimed) return { skipped: 'stdio is already served by another MCP adapter' };
    ctx.stdio.claimed = true;
    return {
      running: await (
        await mcpStdio()
      ).serveMcpStdio(adapter, runtime, {
        onError: ctx.onError,
        onClose: ctx.onStdioClose,
      }),
    };
  }
  const options = adapterOptions(adapter, ctx);
  switch (adapter.type) {
    case 'rest':
      return { running: await (await rest()).startRestAdapter(adapter, runtime, options) };
    case 'mcp':
      return { running: await (await mcpHttp()).startMcpHttpAdapter(adapter, runtime, options) };
    case 'skill':
      return { running: await (await skill()).startSkillAdapter(adapter, runtime, options) };
    case 'control':
      return {
        running: await (
          await control()
        ).startControlAdapter(adapter, runtime, { ...options, states: ctx.states }),
      };
    default:
      return { skipped: 'not supported by this engine yet' };
  }
}

/**
 * Serves a new version of a running adapter on its socket (`naftiko run --watch`), with the
 * options `startAdapter` would give it; false when it cannot be replaced in place (MCP over
 * stdio), and must be restarted instead.
 */
export async function replaceAdapter(
  running: RunningAdapter,
  adapter: ExposesAdapter,
  runtime: Runtime,
  ctx: StartContext,
  graceMs: number,
): Promise<boolean> {
  if (running.replace === undefined) return false;
  const options = adapterOptions(adapter, ctx);
  await running.replace(
    adapter,
    runtime,
    adapter.type === 'control' ? { ...options, states: ctx.states } : options,
    graceMs,
  );
  return true;
}

/** The options of a network adapter: listen overrides, limits, authentication, reporting. */
function adapterOptions(adapter: ExposesAdapter, ctx: StartContext) {
  // Every HTTP adapter gets the URL and head limits; all but the control adapter (health
  // probes, metrics scrapes) also get the per-client rate limit.
  let limits: ListenOptions['limits'];
  if (ctx.limits !== undefined) {
    const { rateLimit, ...sizes } = ctx.limits.http;
    limits = adapter.type === 'control' ? sizes : { ...sizes, rateLimit };
  }
  return {
    ...(limits !== undefined ? { limits } : {}),
    ...(ctx.port !== undefined ? { port: ctx.port } : {}),
    ...(ctx.address !== undefined ? { address: ctx.address } : {}),
    ...(ctx.authenticator !== undefined ? { authenticator: ctx.authenticator } : {}),
    ...(ctx.onRefused !== undefined ? { onRefused: ctx.onRefused } : {}),
    ...(ctx.onWarning !== undefined ? { onWarning: ctx.onWarning } : {}),
    onError: ctx.onError,
    ...(adapter.type === 'mcp'
      ? {
          stateless: ctx.stateless,
          ...(ctx.limits !== undefined
            ? {
                maxSessions: ctx.limits.mcp.maxSessions,
                sessionIdleMs: ctx.limits.mcp.sessionIdleMs,
              }
            : {}),
        }
      : {}),
  };
}
