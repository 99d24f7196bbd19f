/* global Buffer */
// Fixed upstream for the benchmarks: a minimal node:http server on 127.0.0.1 answering the seed's
// three operations (GET/PUT/DELETE /v2/crm/integrations) with canned, realistic JSON.
// GET ~1 KB; GET ?size=large (or /v2/crm/integrations/large) ~100 KB.
// Usage: node bench/upstream.mjs [--port 0]  → prints {"event":"upstream.listening","url":...}
import http from 'node:http';

function integration(i) {
  return {
    integrationId: String(6286478263646 + i),
    name: `Salesforce integration ${i}`,
    crmType: 'SALESFORCE',
    ownerEmail: `crm-admin-${i}@example.com`,
    status: 'ACTIVE',
    created: '2026-05-19T08:15:31.000Z',
    lastSync: '2026-11-24T23:59:12.000Z',
    objectTypes: ['ACCOUNT', 'CONTACT', 'DEAL', 'LEAD'],
    settings: { syncIntervalMinutes: 15, bidirectional: false, region: 'us-east-1' },
  };
}
const small = Buffer.from(
  JSON.stringify({
    requestId: '4al018gzaztcr8nbukw',
    integrations: [integration(0), integration(1)],
    records: { totalRecords: 2, currentPageSize: 2, currentPageNumber: 0 },
  }),
);
const largeList = [];
for (let i = 0; Buffer.byteLength(JSON.stringify(largeList)) < 100_000; i++)
  largeList.push(integration(i));
const large = Buffer.from(
  JSON.stringify({
    requestId: '4al018gzaztcr8nbukw',
    integrations: largeList,
    records: {
      totalRecords: largeList.length,
      currentPageSize: largeList.length,
      currentPageNumber: 0,
    },
  }),
);
const putReply = Buffer.from(
  JSON.stringify({ requestId: '5bm129h0bauds9ocvlx', integrationId: '6286478263646' }),
);
const delReply = Buffer.from(JSON.stringify({ requestId: '6cn23ai1cbvet0pdwmy' }));

// --large: answer the ~100 KB list on the plain path too (so an unmodified spec exercises it)
const LARGE_BY_DEFAULT = process.argv.includes('--large');
export const sizes = { small: small.length, large: large.length };
/** The small GET's answer (status 200), for a stand-in upstream answering the same bytes. */
export const CONTENT_TYPE = 'application/json; charset=utf-8';
export const SMALL_GET = { path: '/v2/crm/integrations', status: 200, body: small };

function send(res, status, body) {
  res.writeHead(status, {
    'content-type': CONTENT_TYPE,
    'content-length': body.length,
  });
  res.end(body);
}

export function createUpstream() {
  return http.createServer((req, res) => {
    const q = req.url.indexOf('?');
    const path = q < 0 ? req.url : req.url.slice(0, q);
    const query = q < 0 ? '' : req.url.slice(q + 1);
    if (path === '/v2/crm/integrations' || path === '/v2/crm/integrations/large') {
      if (req.method === 'GET') {
        const isLarge =
          LARGE_BY_DEFAULT || path.endsWith('/large') || /(^|&)size=large(&|$)/.test(query);
        return send(res, 200, isLarge ? large : small);
      }
      if (req.method === 'PUT' || req.method === 'DELETE') {
        // drain the body, then answer
        req.resume();
        req.on('end', () => send(res, 200, req.method === 'PUT' ? putReply : delReply));
        return;
      }
    }
    req.resume();
    send(res, 404, Buffer.from('{"errors":["not found"]}'));
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf('--port');
  const port = i > 0 ? Number(process.argv[i + 1]) : 0;
  const server = createUpstream();
  server.keepAliveTimeout = 60_000;
  server.listen(port, '127.0.0.1', () => {
    const { port: p } = server.address();
    console.log(
      JSON.stringify({ event: 'upstream.listening', url: `http://127.0.0.1:${p}`, sizes }),
    );
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)).closeAllConnections());
}
