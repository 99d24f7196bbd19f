/**
 * A real upstream for consumer tests: a node:http server on 127.0.0.1, port 0, that records
 * every request it receives (method, path, query, headers, body) and answers with a handler
 * (default: 200 `{"ok":true}`).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Recorded {
  readonly method: string;
  /** Path and query as received. */
  readonly url: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
}

export type Handler = (req: Recorded, res: ServerResponse) => void | Promise<void>;

export interface Upstream {
  /** `http://127.0.0.1:port` */
  readonly url: string;
  readonly requests: Recorded[];
  /** The last request (throws when none arrived). */
  last(): Recorded;
  /** TCP connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

export const jsonOk: Handler = (_req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end('{"ok":true}');
};

export async function startUpstream(handler: Handler = jsonOk): Promise<Upstream> {
  const requests: Recorded[] = [];
  let connections = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = req.url ?? '/';
      const at = url.indexOf('?');
      const recorded: Recorded = {
        method: req.method ?? '',
        url,
        path: at === -1 ? url : url.slice(0, at),
        query: new URLSearchParams(at === -1 ? '' : url.slice(at + 1)),
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      requests.push(recorded);
      void Promise.resolve(handler(recorded, res)).catch((err: unknown) => {
        res.statusCode = 500;
        res.end(String(err));
      });
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    last() {
      const last = requests[requests.length - 1];
      if (last === undefined) throw new Error('no request reached the upstream');
      return last;
    },
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
