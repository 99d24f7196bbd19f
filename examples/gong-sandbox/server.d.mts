/** Types for server.mjs, the offline stand-in for Gong's CRM Integration API (see its header). */

/** One stored CRM integration; integrationId is the int64 id as a decimal string. */
export interface SandboxIntegration {
  integrationId: string;
  ownerEmail: string;
  name: string;
}

/** One request as the sandbox received it. */
export interface RecordedRequest {
  method: string;
  /** Path without the query string, e.g. "/v2/crm/integrations". */
  path: string;
  /** Query parameters; a repeated key becomes an array. */
  query: Record<string, string | string[]>;
  /** Node's lower-cased request headers. */
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON when the body is JSON, else the raw text; null when there is no body. */
  body: unknown;
  rawBody: string;
}

export interface GongSandboxOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to bind; 127.0.0.1 by default. */
  host?: string;
  /** Bearer token to accept; env GONG_API_KEY, else 'sandbox-token'. */
  token?: string;
  /** Integrations present from the start. */
  seed?: Array<{ ownerEmail: string; name: string; integrationId?: string | number | bigint }>;
  /** Generate ids above 2^53 (as real Gong does) instead of ids below Number.MAX_SAFE_INTEGER. */
  largeIds?: boolean;
  /** Make DELETE require clientRequestId, as Gong does; optional by default. */
  requireClientRequestId?: boolean;
  /** Called once per answered request with "METHOD url -> status (n ms)". */
  log?: (line: string) => void;
}

export interface GongSandbox {
  /** Base URL including /v2, e.g. "http://127.0.0.1:8081/v2". */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  readonly token: string;
  /** Every request received, in order (recorded on arrival, before any delay). */
  readonly requests: RecordedRequest[];
  /** Live store keyed by integrationId (decimal string). */
  readonly integrations: Map<string, SandboxIntegration>;
  /** Delays every later response by ms (0 = none). */
  setDelay(ms: number): void;
  /** The next request gets this error (or a dropped connection) instead of its answer. */
  failNext(
    status?: number | 'disconnect',
    options?: { errors?: string[]; headers?: Record<string, string> },
  ): void;
  /** Forgets integrations, requests, used clientRequestIds, delay and queued failures. */
  reset(): void;
  /** Stops listening and drops open connections; idempotent. */
  close(): Promise<void>;
}

export function startGongSandbox(options?: GongSandboxOptions): Promise<GongSandbox>;
