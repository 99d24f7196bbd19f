// Types of corpus-run-core.mjs, for the TypeScript tests that import it.

export declare const REPO_ROOT: string;
export declare const CORPUS_DIR: string;
export declare const CLI_MAIN: string;
export declare const START_TIMEOUT_MS: number;
export declare const REQUEST_TIMEOUT_MS: number;
export declare const STOP_TIMEOUT_MS: number;
export declare const SETTLE_MS: number;
export declare const GUARD_MARKER: string;
export declare const CATCH_ALL_JSON: Readonly<Record<string, unknown>>;

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

export interface CatchAllUpstream {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

export declare function startCatchAllUpstream(): Promise<CatchAllUpstream>;

export interface CorpusFile {
  /** Relative to the corpus folder, e.g. `files/api-evangelist__gong/xxx.yaml`. */
  readonly file: string;
  readonly absolutePath: string;
}

/** A corpus file that passes engine-level validation, with its document. */
export interface ValidCorpusFile extends CorpusFile {
  // The capability document as the validator loaded it (loosely typed: the spec's shape).
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly doc: any;
}

export declare function readCorpusFiles(corpusDir?: string): CorpusFile[];
export declare function engineValidFiles(
  corpusDir?: string,
  validator?: {
    validateFile(file: string): Promise<{ capability?: { doc: unknown } }>;
  },
): Promise<ValidCorpusFile[]>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export declare function restAdapters(doc: any): any[];
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export declare function bindingsOf(doc: any): any[];
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export declare function locatedBindings(doc: any): any[];
export declare function dummySecret(key: string): string;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export declare function environmentFor(doc: any): Record<string, string>;
export declare function plausible(name: string, type?: string, pattern?: string): unknown;
/** A value of the type a JSON schema declares (const, enum, format, pattern, minimum honoured). */
export declare function valueForSchema(name: string, schema?: Record<string, unknown>): unknown;
/** A value as text, for a path segment, query string, header or cookie. */
export declare function asText(value: unknown): string;

/** A known exception of the corpus run (scripts/lib/corpus-exceptions.mjs). */
export interface KnownException {
  readonly when: 'boot' | '4xx' | '5xx';
  readonly code: string;
  readonly match: RegExp;
  readonly reason: string;
}
export declare const KNOWN_EXCEPTIONS: readonly KnownException[];
/** The reason of the known exception explaining a failure, if one does. */
export declare function knownException(
  file: string,
  status: number | 'boot',
  code?: string,
): string | undefined;

export interface PlannedRequest {
  readonly method: string;
  /** The resource path as the spec writes it. */
  readonly path: string;
  /** Concrete path and query string. */
  readonly target: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
  /** Whether the inputs came from the adapter's /openapi.json. */
  readonly openapi: boolean;
}

/** The class of a REST call's answer (see statusClass). */
export type StatusClass = 'ok' | 'client-error' | 'upstream-relay' | 'engine-error' | 'no-answer';

export declare function planRequest(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  adapter: any,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  resource: any,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  operation: any,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  openapi?: any,
): PlannedRequest;

export interface HttpCallResult {
  readonly status?: number;
  readonly headers?: Record<string, string | string[] | undefined>;
  readonly text?: string;
  readonly error?: string;
}

export declare function httpCall(
  url: string,
  options: {
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    timeoutMs?: number;
  },
): Promise<HttpCallResult>;

export interface OperationResult {
  readonly adapter: string;
  readonly operation?: string;
  readonly method: string;
  readonly path: string;
  readonly target: string;
  /** The request headers the plan sent (required header inputs, content type). */
  readonly headers?: Record<string, string>;
  readonly body?: string;
  readonly openapi: boolean;
  /** 0 when no HTTP answer came (see `error`). */
  readonly status: number;
  readonly error?: string;
  /** The problem `code` of an error answer. */
  readonly code?: string;
  readonly detail?: string;
  readonly text?: string;
  readonly outcome?: StatusClass;
}

export interface ForwardResult {
  readonly adapter: string;
  readonly path: string;
  readonly method: string;
  readonly target: string;
  readonly status: number;
  readonly error?: string;
  readonly code?: string;
  readonly detail?: string;
}

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: string | null;
  readonly forced?: boolean;
}

export interface FileResult {
  readonly file: string;
  /** How the start ended: `capability.ready`, the process's exit, or the start timeout. */
  readonly start: 'ready' | 'exited' | 'timeout';
  readonly started: boolean;
  /** Started, then ended on its own before SIGTERM. */
  readonly exitedBeforeStop: boolean;
  readonly locatedBindings: string[];
  readonly adapters: {
    namespace: string;
    url?: string;
    openapi: boolean;
    openapiError?: string;
  }[];
  readonly operations: OperationResult[];
  readonly forwards: ForwardResult[];
  readonly stderr: string;
  readonly exit?: ProcessExit;
  readonly stop?: ProcessExit;
  readonly internalLogs: Record<string, unknown>[];
  /** Non-loopback hosts the CLI tried to connect to (refused by the guard). */
  readonly guardBlocked: string[];
  readonly ms: number;
}

export declare function runCapabilityFile(
  entry: ValidCorpusFile,
  upstreamUrl: string,
  options?: { startTimeoutMs?: number },
): Promise<FileResult>;

/** Kills (SIGKILL) every CLI process the module started that is still running. */
export declare function killAllCapabilities(): void;
export declare function startFailureReason(result: FileResult): string;
/** 2xx/3xx `ok`; 4xx `client-error`; 5xx `upstream-relay` or `engine-error`; `no-answer`. */
export declare function statusClass(op: OperationResult): StatusClass;
/** Issue 10's criterion: an HTTP answer that is not a 4xx. */
export declare function nonClientError(op: OperationResult): boolean;
/** The old, looser criterion: any status but 404/405. */
export declare function answered(op: OperationResult): boolean;
export declare function pool<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]>;

export type FileOperation = OperationResult & { readonly file: string };

/** One failed REST call in the summary, with the known exception that explains it (if any). */
export interface FailedCall {
  readonly file: string;
  readonly adapter: string;
  readonly operation?: string;
  readonly method: string;
  readonly target: string;
  readonly status: number;
  readonly code?: string;
  readonly detail?: string;
  readonly error?: string;
  readonly text?: string;
  readonly exception?: string;
}

export interface CorpusRunSummary {
  readonly filesEngineValid: number;
  readonly filesRun: number;
  readonly booted: number;
  readonly bootedWithRestAdapter: number;
  readonly failedToBoot: number;
  readonly failedToBootWithLocatedBindings: number;
  /** Reason (specifics blanked) → files. */
  readonly bootFailures: Record<string, string[]>;
  readonly bootFailureList: { file: string; reason: string; exception?: string }[];
  readonly restOperations: number;
  /** Operations that met the criterion (an HTTP answer, not a 4xx). */
  readonly nonClientError: number;
  readonly byClass: Record<StatusClass, number>;
  readonly statuses: Record<string, number>;
  readonly clientErrors4xx: number;
  /** problem+json `code` (or `status N`) → calls. */
  readonly clientErrorsByCode: Record<string, FailedCall[]>;
  readonly noAnswer: FailedCall[];
  readonly serverErrors5xx: number;
  readonly upstreamRelays5xx: Record<string, FailedCall[]>;
  readonly engineErrors5xx: Record<string, FailedCall[]>;
  /** Failed boots, 4xx, no answers and engine 5xx that no known exception explains. */
  readonly unexplained: string[];
  readonly adaptersWithoutOpenApi: { file: string; adapter: string; why?: string }[];
  readonly operationsMissingFromOpenApi: string[];
  readonly forwards: (ForwardResult & { file: string })[];
  readonly exitedBeforeStop: { file: string; adapters: number; exit?: ProcessExit }[];
  readonly stopNotClean: { file: string; stop?: ProcessExit }[];
  readonly internalLogs: { file: string; logs: Record<string, unknown>[] }[];
  readonly guardBlocked: { file: string; hosts: string[] }[];
}

export declare function summarize(
  results: readonly FileResult[],
  engineValidCount?: number,
): CorpusRunSummary;
