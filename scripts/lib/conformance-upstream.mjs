// The fixture upstream of the MCP conformance run (scripts/mcp-conformance.mjs): a node:http
// server on 127.0.0.1, port 0, serving what the tools and resources of specs/mcp-conformance.yaml
// call through their `fixture` consumes namespace (the script points it here with
// `naftiko run --base-uri fixture=<url>`). Every route is a GET; nothing ever answers 5xx, so
// the engine's retries and circuit breaker stay out of the way.
//
//   /image                 a 1x1 PNG (image/png)
//   /audio                 0.1 s of a 440 Hz tone, 8 kHz mono 8-bit PCM (audio/wav)
//   /template/{id}/data    {"id": "<id>", "templateTest": true, "data": "Data for ID: <id>"}
//   /steps/{n}             {"step": n, "done": true}, answered after STEP_DELAY_MS (the steps of
//                          the logging and progress tools, so that notifications are spread out)
//   /error                 400, text/plain: the failure test_error_handling reports
//   anything else          404, text/plain
//
// `requests` counts the requests served per route (the script prints it with --verbose).
import { Buffer } from 'node:buffer';
import { createServer } from 'node:http';
import { clearTimeout, setTimeout } from 'node:timers';
import { pathToFileURL } from 'node:url';

export const STEP_DELAY_MS = 50;

/** A 1x1 red PNG (IHDR 1x1 RGB, one deflated scanline, IEND). */
export const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC',
  'base64',
);

/** A RIFF/WAVE file: `seconds` of a sine tone, 8 kHz, mono, unsigned 8-bit samples. */
export function wav(seconds = 0.1, hz = 440) {
  const rate = 8000;
  const samples = Math.round(rate * seconds);
  const out = Buffer.alloc(44 + samples);
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(36 + samples, 4);
  out.write('WAVE', 8, 'ascii');
  out.write('fmt ', 12, 'ascii');
  out.writeUInt32LE(16, 16); // fmt chunk size
  out.writeUInt16LE(1, 20); // PCM
  out.writeUInt16LE(1, 22); // mono
  out.writeUInt32LE(rate, 24);
  out.writeUInt32LE(rate, 28); // byte rate = rate * channels * bytes per sample
  out.writeUInt16LE(1, 32); // block align
  out.writeUInt16LE(8, 34); // bits per sample
  out.write('data', 36, 'ascii');
  out.writeUInt32LE(samples, 40);
  for (let i = 0; i < samples; i++) {
    out[44 + i] = Math.round(128 + 100 * Math.sin((2 * Math.PI * hz * i) / rate));
  }
  return out;
}

const WAV = wav();

function send(res, status, type, body) {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
  res.writeHead(status, { 'content-type': type, 'content-length': bytes.length });
  res.end(bytes);
}

const json = (res, value) => send(res, 200, 'application/json', JSON.stringify(value));

/** Route of a path, for the request counts: `/template/{id}/data`, `/steps/{n}`, or the path. */
function routeOf(pathname) {
  if (/^\/template\/[^/]+\/data$/.test(pathname)) return '/template/{id}/data';
  if (/^\/steps\/[^/]+$/.test(pathname)) return '/steps/{n}';
  return pathname;
}

function handle(req, res) {
  const { pathname } = new URL(req.url ?? '/', 'http://fixture.invalid');
  if (req.method !== 'GET') return send(res, 405, 'text/plain', 'only GET is served\n');
  if (pathname === '/image') return send(res, 200, 'image/png', PNG);
  if (pathname === '/audio') return send(res, 200, 'audio/wav', WAV);
  if (pathname === '/error') {
    return send(res, 400, 'text/plain', 'This tool intentionally returns an error for testing');
  }
  const template = /^\/template\/([^/]+)\/data$/.exec(pathname);
  if (template) {
    const id = decodeURIComponent(template[1]);
    return json(res, { id, templateTest: true, data: `Data for ID: ${id}` });
  }
  const step = /^\/steps\/(\d+)$/.exec(pathname);
  if (step) {
    const timer = setTimeout(() => json(res, { step: Number(step[1]), done: true }), STEP_DELAY_MS);
    res.on('close', () => clearTimeout(timer));
    return;
  }
  send(res, 404, 'text/plain', `no fixture at ${pathname}\n`);
}

/**
 * Starts the fixture on 127.0.0.1 (port 0 = any free port unless given). Resolves to
 * `{url, requests, close()}`; `close()` ends open connections too.
 */
export function startConformanceUpstream({ port = 0 } = {}) {
  const requests = {};
  const server = createServer((req, res) => {
    const route = routeOf(new URL(req.url ?? '/', 'http://fixture.invalid').pathname);
    requests[route] = (requests[route] ?? 0) + 1;
    try {
      handle(req, res);
    } catch (err) {
      send(res, 400, 'text/plain', `bad request: ${err.message}\n`);
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port: bound } = server.address();
      resolve({
        url: `http://127.0.0.1:${bound}`,
        requests,
        close: () =>
          new Promise((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

// `node scripts/lib/conformance-upstream.mjs [port]`: serve until interrupted (manual runs).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const fixture = await startConformanceUpstream({ port: Number(process.argv[2] ?? 0) });
  console.log(`conformance fixture upstream at ${fixture.url}`);
  const stop = () => fixture.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
