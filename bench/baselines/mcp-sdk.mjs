/* global Buffer */
// Baseline (c): a minimal MCP server on @modelcontextprotocol/sdk (low-level Server +
// StreamableHTTPServerTransport on node:http) exposing one tool that does the seed's GET upstream
// (undici, bearer header), returning the JSON as text content and structuredContent, like the engine.
// Usage: node mcp-sdk.mjs --upstream http://127.0.0.1:P/v2 [--port 0] [--stateless]
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { Pool } from 'undici';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { ListToolsRequestSchema, CallToolRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { arg, flag, announce } from './common.mjs';

const upstream = new URL(arg('upstream'));
const basePath = upstream.pathname.replace(/\/$/, '');
const pool = new Pool(upstream.origin, { connections: 128 });
const auth = `Bearer ${process.env.GONG_API_KEY ?? ''}`;
const stateless = flag('stateless');
const TOOL = 'gong-get-crm-integration-details';

function makeServer() {
  const server = new Server(
    { name: 'bench-baseline', version: '0.0.0' },
    { capabilities: { tools: {} } },
  );
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: [
      {
        name: TOOL,
        description: 'Gong Get CRM integration details',
        inputSchema: { type: 'object', properties: {} },
      },
    ],
  }));
  server.setRequestHandler(CallToolRequestSchema, async (req) => {
    if (req.params.name !== TOOL) throw new Error(`unknown tool ${req.params.name}`);
    const res = await pool.request({
      method: 'GET',
      path: `${basePath}/crm/integrations`,
      headers: { authorization: auth, accept: 'application/json' },
    });
    const body = await res.body.json();
    return {
      content: [{ type: 'text', text: JSON.stringify(body) }],
      structuredContent: body,
      isError: res.statusCode >= 400,
    };
  });
  return server;
}

async function readJson(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
}

const sessions = new Map(); // stateful: session id → transport
const httpServer = http.createServer(async (req, res) => {
  try {
    if (!req.url.startsWith('/mcp')) {
      res.writeHead(404).end();
      return;
    }
    if (stateless) {
      if (req.method !== 'POST') {
        res.writeHead(405).end();
        return;
      }
      // the SDK's stateless pattern: a fresh server + transport per request
      const body = await readJson(req);
      const server = makeServer();
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      res.on('close', () => {
        transport.close();
        server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(req, res, body);
      return;
    }
    const sid = req.headers['mcp-session-id'];
    let transport = sid ? sessions.get(sid) : undefined;
    const body = req.method === 'POST' ? await readJson(req) : undefined;
    if (!transport) {
      if (sid || req.method !== 'POST' || body?.method !== 'initialize') {
        res.writeHead(sid ? 404 : 400, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            jsonrpc: '2.0',
            error: { code: -32000, message: 'no valid session' },
            id: null,
          }),
        );
        return;
      }
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => sessions.set(id, transport),
      });
      transport.onclose = () => transport.sessionId && sessions.delete(transport.sessionId);
      await makeServer().connect(transport);
    }
    await transport.handleRequest(req, res, body);
  } catch (err) {
    if (!res.headersSent) res.writeHead(500).end(String(err));
  }
});
httpServer.keepAliveTimeout = 60_000;
httpServer.listen(Number(arg('port', '0')), '127.0.0.1', () => {
  announce('mcp', `http://127.0.0.1:${httpServer.address().port}/mcp`);
});
process.on('SIGTERM', () => {
  httpServer.close();
  httpServer.closeAllConnections();
  pool.close().finally(() => process.exit(0));
});
