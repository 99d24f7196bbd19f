// Baseline (b): a minimal fastify + undici proxy doing what the engine does for the seed's GET:
// forward GET /v1/crm/integrations to <upstream>/v2/crm/integrations with a bearer header, parse the
// JSON answer and re-serialise it. Usage: node fastify-undici.mjs --upstream http://127.0.0.1:P/v2 [--port 0]
import Fastify from 'fastify';
import { Pool } from 'undici';
import { arg, announce } from './common.mjs';

const upstream = new URL(arg('upstream'));
const basePath = upstream.pathname.replace(/\/$/, '');
const pool = new Pool(upstream.origin, { connections: 128 });
const auth = `Bearer ${process.env.GONG_API_KEY ?? ''}`;

const app = Fastify({ logger: false });
app.get('/v1/crm/integrations', async (req, reply) => {
  const res = await pool.request({
    method: 'GET',
    path: `${basePath}/crm/integrations${req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : ''}`,
    headers: { authorization: auth, accept: 'application/json' },
  });
  const body = await res.body.json();
  reply.code(res.statusCode).header('content-type', 'application/json; charset=utf-8');
  return JSON.stringify(body);
});

const url = await app.listen({ host: '127.0.0.1', port: Number(arg('port', '0')) });
announce('rest', url);
process.on('SIGTERM', async () => {
  await app.close();
  await pool.close();
  process.exit(0);
});
