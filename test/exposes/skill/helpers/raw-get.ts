/**
 * A GET with the request-target sent exactly as written: `fetch` and `new URL()` would resolve
 * `../` and `%2e%2e/` before sending, hiding the traversal attempts the tests are about.
 */
import http from 'node:http';

export interface RawResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  json(): unknown;
  text(): string;
}

export function rawGet(
  base: string,
  target: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<RawResponse> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, path: target, method, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            json: () => JSON.parse(body.toString('utf8')) as unknown,
            text: () => body.toString('utf8'),
          });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}
