/**
 * The stdio transport of an MCP adapter (contract §8, `transport: stdio`): newline-delimited
 * JSON-RPC on stdin/stdout over the engine's dispatcher, both eras (docs/design/mcp-next.md
 * §5.6). stdout carries protocol messages only, so whoever calls this must log to stderr.
 *
 * The era is the connection's: an `initialize` pins 2025-11-25 (negotiation, `ping`,
 * `logging/setLevel`, `resources/subscribe`), a request with the 2026-07-28 envelope pins
 * 2026-07-28 — except `server/discover`, the dual-era client's probe, answered without pinning.
 * A first request without either is served as 2025-11-25, as before.
 */
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Runtime } from '../../engine/runtime.js';
import type { ExposesMcp } from '../../spec/types.js';
import type { RunningAdapter } from '../adapter.js';
import {
  closeConnection,
  compileUnits,
  createDispatcher,
  listenFilterError,
  methodNotFound,
  newConnection,
  rpcErrorOf,
} from './dispatch.js';
import type { Connection } from './dispatch.js';
import { MODERN_VERSIONS, checkEnvelope, eraOf } from './era.js';
import type { Era } from './era.js';
import {
  INVALID_PARAMS,
  INVALID_REQUEST,
  PARSE_ERROR,
  UNSUPPORTED_PROTOCOL_VERSION,
  errorResponse,
  notification,
  readMessage,
  resultResponse,
} from './jsonrpc.js';
import type { Params, RpcId } from './jsonrpc.js';

export interface McpStdioOptions {
  /** Defaults: process.stdin and process.stdout. */
  readonly stdin?: Readable;
  readonly stdout?: Writable;
  readonly onError?: (err: unknown) => void;
  /** Called when the client closes the connection (stdin ends). */
  readonly onClose?: () => void;
}

export async function serveMcpStdio(
  adapter: ExposesMcp,
  runtime: Runtime,
  options: McpStdioOptions = {},
): Promise<RunningAdapter> {
  const stdin = options.stdin ?? process.stdin;
  const stdout = options.stdout ?? process.stdout;
  const dispatcher = createDispatcher(adapter, runtime, compileUnits(adapter, runtime), {
    onError: options.onError,
    subscriptions: true,
  });
  const write = (message: unknown) => {
    if (!stdout.writableEnded) stdout.write(`${JSON.stringify(message)}\n`);
  };
  const connection: Connection = newConnection((method, params) =>
    write(notification(method, params)),
  );
  /** Modern `subscriptions/listen` requests in progress: id → ends it (gracefully or not). */
  const listens = new Map<RpcId, (graceful: boolean) => void>();
  let era: Era | undefined;
  let closed = false;

  const lines = createInterface({ input: stdin, crlfDelay: Infinity });
  lines.on('line', (line) => {
    if (line.trim() === '') return;
    let body: unknown;
    try {
      body = JSON.parse(line);
    } catch {
      write(errorResponse(null, { code: PARSE_ERROR, message: 'Parse error: Invalid JSON' }));
      return;
    }
    if (Array.isArray(body)) {
      // Batches left MCP with 2025-06-18, and stdio never had them: one error, nothing runs.
      write(
        errorResponse(null, {
          code: INVALID_REQUEST,
          message: 'Invalid Request: batches are not supported over stdio',
        }),
      );
      return;
    }
    void answer(body).then((a) => {
      if (a !== undefined) write(a);
    });
  });

  /** The response to one message (undefined for notifications and posted responses). */
  async function answer(body: unknown): Promise<unknown> {
    const message = readMessage(body);
    if (message.kind === 'response') return undefined;
    if (message.kind === 'invalid') {
      return errorResponse(message.id, {
        code: INVALID_REQUEST,
        message: `Invalid Request: ${message.reason}`,
      });
    }
    const { method, params } = message;
    if (message.kind === 'notification') {
      if (method === 'notifications/cancelled') {
        const id = params?.['requestId'];
        if (typeof id === 'string' || typeof id === 'number') {
          listens.get(id)?.(false);
          connection.inflight.get(id)?.abort();
        }
      }
      return undefined;
    }
    const id = message.id;
    const claimsModern = eraOf(body, undefined) === 'modern';
    if (method === 'initialize') {
      if (era === 'modern') {
        return errorResponse(id, {
          code: UNSUPPORTED_PROTOCOL_VERSION,
          message: 'Unsupported protocol version: this connection speaks 2026-07-28',
          data: { supported: [...MODERN_VERSIONS], requested: params?.['protocolVersion'] },
        });
      }
      era = 'legacy';
      return resultResponse(id, dispatcher.initialize(params));
    }
    // The dual-era probe does not pin the connection; anything else modern does.
    const asModern = era === 'modern' || (era === undefined && claimsModern);
    if (asModern) {
      if (!claimsModern) {
        return errorResponse(id, {
          code: INVALID_PARAMS,
          message:
            'Invalid params: this connection speaks 2026-07-28; the request _meta is required',
        });
      }
      const envelope = checkEnvelope(params, null);
      if ('status' in envelope) return errorResponse(id, envelope.error);
      if (method !== 'server/discover') era = 'modern';
      if (method === 'subscriptions/listen') return listen(id, params);
      if (!dispatcher.supports(method, 'modern')) return errorResponse(id, methodNotFound(method));
      return run(id, method, params, 'modern', envelope.logLevel);
    }
    era ??= 'legacy';
    if (!dispatcher.supports(method, 'legacy')) return errorResponse(id, methodNotFound(method));
    return run(id, method, params, 'legacy', undefined);
  }

  async function run(
    id: RpcId,
    method: string,
    params: Params | undefined,
    requestEra: Era,
    logLevel: unknown,
  ) {
    const controller = new AbortController();
    connection.inflight.add(id, controller);
    try {
      const result = await dispatcher.handle(method, params, {
        era: requestEra,
        signal: controller.signal,
        notify: (m, p) => write(notification(m, p)),
        logLevel,
        connection: requestEra === 'legacy' ? connection : undefined,
      });
      // A cancelled request gets no response (MCP cancellation).
      if (controller.signal.aborted) return undefined;
      return resultResponse(
        id,
        requestEra === 'modern' ? dispatcher.decorate(method, result) : result,
      );
    } catch (err) {
      if (controller.signal.aborted) return undefined;
      return errorResponse(id, rpcErrorOf(err, options.onError));
    } finally {
      connection.inflight.remove(controller);
    }
  }

  /** Modern `subscriptions/listen`: tagged notifications until cancelled or the server stops. */
  function listen(id: RpcId, params: Params | undefined): Promise<unknown> {
    const refused = listenFilterError(params);
    if (refused !== undefined) return Promise.resolve(errorResponse(id, refused));
    // One listen per id: a second would be impossible to cancel alone.
    if (listens.has(id)) {
      return Promise.resolve(
        errorResponse(id, {
          code: INVALID_REQUEST,
          message: 'Invalid Request: a subscriptions/listen with this id is already open',
        }),
      );
    }
    const listening = dispatcher.listen(id, params, (message) => write(message));
    return new Promise((resolve) => {
      listens.set(id, (graceful) => {
        listens.delete(id);
        listening.stop();
        // A client's cancellation gets no answer; the server ending it says so with a result.
        resolve(graceful ? listening.result : undefined);
      });
    });
  }

  const stop = async () => {
    if (closed) return;
    closed = true;
    for (const end of [...listens.values()]) end(true);
    closeConnection(connection);
    dispatcher.close();
    lines.close();
    stdin.off('end', onEnd);
    options.onClose?.();
  };
  // The client going away ends the connection.
  const onEnd = () => void stop();
  stdin.once('end', onEnd);

  return { type: 'mcp', namespace: adapter.namespace, url: 'stdio:', stop };
}
