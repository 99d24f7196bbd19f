/**
 * A minimal upstream for CLI tests: node:http on 127.0.0.1, port 0, answering every request with
 * one JSON body after an optional delay (a slow upstream keeps requests in flight). Each test
 * file closes what it started with `closeJsonUpstreams()` (in afterEach).
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';

let servers: Server[] = [];

/** Starts one; resolves with its base URL. */
export async function startJsonUpstream(body: unknown, delayMs = 0): Promise<string> {
  const server = createServer((_req, res) => {
    setTimeout(() => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(body));
    }, delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
}

/** Closes every upstream started so far, connections included. */
export async function closeJsonUpstreams(): Promise<void> {
  const closing = servers;
  servers = [];
  await Promise.all(closing.map((s) => new Promise((r) => (s.closeAllConnections(), s.close(r)))));
}
