/* global clearTimeout, setTimeout */
// HAProxy for scripts/balancer-test.mjs: the test's configuration, made from deploy/vm/haproxy.cfg
// by changing only addresses and ports (so the documented policies are the ones tested), the
// haproxy process (killed when this process exits), and its runtime API on a unix socket
// (`show stat` for server states and counters, `show table` for the session stick table).
import { spawn, spawnSync } from 'node:child_process';
import { createConnection } from 'node:net';

/** `haproxy -v`'s first line, or null when haproxy is not installed. */
export function haproxyVersion() {
  const r = spawnSync('haproxy', ['-v'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return null;
  return r.stdout.split('\n')[0].trim();
}

/** `haproxy -c -f <file>`: whether the configuration parses, and what haproxy said. */
export function checkConfig(file) {
  const r = spawnSync('haproxy', ['-c', '-f', file], { encoding: 'utf8' });
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() };
}

/**
 * The test's configuration from the text of deploy/vm/haproxy.cfg. Changes, and nothing else:
 * - the `bind :<port>` of the `rest` and `mcp` frontends → 127.0.0.1 and the test's ports;
 * - `port <n>` leaves `default-server` (each instance's control adapter has its own port here)
 *   and each `server` line gets its instance's address, port and `port <control>`;
 * - the MCP servers are named `127.0.0.1:<port>` and the MCP backend's commented
 *   `# http-send-name-header Host` is turned on, as the file says to for instances on loopback:
 *   an MCP adapter bound to a loopback address accepts only a `Host` naming itself (DNS
 *   rebinding protection); instances listening on their network address need neither;
 * - a `stats socket` for the runtime API comes;
 * - with `retryOn`, the `retry-on` line is replaced (to measure what the policy buys).
 * Throws when the file no longer has the shape this expects.
 */
export function renderConfig(source, { restPort, mcpPort, instances, socket, retryOn }) {
  const out = [];
  let section = '';
  const servers = { naftiko_rest: 0, naftiko_mcp: 0 };
  let binds = 0;
  let defaultServer = false;
  let hostHeader = false;
  for (const line of source.split('\n')) {
    const trimmed = line.trim();
    const head = /^(global|defaults|frontend|backend|listen)\b\s*(\S*)/.exec(line);
    if (head) {
      section = head[2] ? `${head[1]} ${head[2]}` : head[1];
      out.push(line);
      if (section === 'global')
        out.push(`    stats socket ${socket} mode 600 level admin`, '    stats timeout 10s');
      continue;
    }
    if (
      section === 'backend naftiko_mcp' &&
      /^(#\s*)?http-send-name-header Host\s*$/.test(trimmed)
    ) {
      out.push('    http-send-name-header Host');
      hostHeader = true;
      continue;
    }
    if (retryOn && /^retry-on\b/.test(trimmed)) {
      out.push(`    retry-on ${retryOn}`);
      continue;
    }
    const bind = /^(\s*)bind\s+:(\d+)\s*$/.exec(line);
    if (bind && (section === 'frontend rest' || section === 'frontend mcp')) {
      out.push(`${bind[1]}bind 127.0.0.1:${section === 'frontend rest' ? restPort : mcpPort}`);
      binds++;
      continue;
    }
    if (/^\s*default-server\b/.test(line) && /\bport\s+\d+/.test(line)) {
      out.push(line.replace(/\s+port\s+\d+/, ''));
      defaultServer = true;
      continue;
    }
    const server = /^(\s*)server\s+(\S+)\s+(\S+)(.*)$/.exec(line);
    if (server) {
      const backend = section.replace(/^backend /, '');
      const i = servers[backend];
      if (i === undefined || i >= instances.length)
        throw new Error(`unexpected server line in ${section}: ${trimmed}`);
      servers[backend]++;
      const inst = instances[i];
      const [name, port] =
        backend === 'naftiko_rest'
          ? [inst.name, inst.restPort]
          : [`127.0.0.1:${inst.mcpPort}`, inst.mcpPort];
      out.push(`${server[1]}server ${name} 127.0.0.1:${port}${server[4]} port ${inst.controlPort}`);
      continue;
    }
    out.push(line);
  }
  if (
    binds !== 2 ||
    !defaultServer ||
    !hostHeader ||
    Object.values(servers).some((n) => n !== instances.length)
  )
    throw new Error(
      `deploy/vm/haproxy.cfg changed shape: expected the rest and mcp frontends' "bind :<port>", ` +
        `a "default-server ... port <n>", the MCP backend's "# http-send-name-header Host" and ${instances.length} servers in naftiko_rest and naftiko_mcp ` +
        `(found ${binds} binds, default-server ${defaultServer}, Host line ${hostHeader}, servers ${JSON.stringify(servers)})`,
    );
  return out.join('\n');
}

/**
 * Starts `haproxy -db -f <cfg>` (foreground). The process is killed when this process exits.
 * Resolves once the runtime API answers.
 */
export async function startHaproxy(cfg, socket, { timeoutMs = 10_000, onLine } = {}) {
  const child = spawn('haproxy', ['-db', '-f', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (d) => (output += d).length > 8000 && (output = output.slice(-8000));
  let partial = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d) => {
    const lines = (partial + d).split('\n');
    partial = lines.pop();
    for (const l of lines) if (!onLine?.(l)) keep(`${l}\n`);
  });
  child.stderr.on('data', keep);
  const kill = () => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL');
  process.on('exit', kill);
  const t0 = Date.now();
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`haproxy exited with ${child.exitCode}\n${output}`);
    try {
      await admin(socket, 'show info');
      break;
    } catch {
      if (Date.now() - t0 > timeoutMs) {
        kill();
        throw new Error(`haproxy: runtime API not answering after ${timeoutMs} ms\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    child,
    output: () => output,
    stop: () =>
      new Promise((res) => {
        if (child.exitCode !== null || child.signalCode !== null) return res();
        const t = setTimeout(kill, 3000);
        child.once('exit', () => {
          clearTimeout(t);
          res();
        });
        child.kill('SIGUSR1'); // soft stop
      }),
  };
}

/** One command on the runtime API (non-interactive: haproxy answers, then closes). */
export function admin(socket, command, timeoutMs = 3000) {
  return new Promise((resolve, reject) => {
    const c = createConnection(socket);
    let data = '';
    const t = setTimeout(() => {
      c.destroy();
      reject(new Error(`haproxy runtime API: no answer to "${command}"`));
    }, timeoutMs);
    c.on('connect', () => c.write(`${command}\n`));
    c.on('data', (d) => (data += d));
    c.on('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
    c.on('close', () => {
      clearTimeout(t);
      resolve(data);
    });
  });
}

/** `show stat` as objects keyed by the CSV header (pxname, svname, status, stot, wretr, ...). */
export async function showStat(socket) {
  const text = await admin(socket, 'show stat');
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const header = lines.shift()?.replace(/^#\s*/, '').split(',');
  if (!header) throw new Error('haproxy: empty show stat');
  return lines.map((l) => {
    const cells = l.split(',');
    return Object.fromEntries(header.map((h, i) => [h, cells[i] ?? '']));
  });
}

/**
 * One `option httplog` line (the file's `log stdout format raw`): backend, server, final status,
 * termination state, retries (`+n` when redispatched). Null for anything else.
 */
export function parseHttpLog(line) {
  const m =
    / (\S+)\/(\S+) -?\d+\/-?\d+\/-?\d+\/-?\d+\/\+?-?\d+ (-?\d+) \+?\d+ \S+ \S+ (\S{4}) \d+\/\d+\/\d+\/\d+\/(\+?)(\d+) /.exec(
      line,
    );
  if (!m) return null;
  return {
    backend: m[1],
    server: m[2],
    status: Number(m[3]),
    termination: m[4],
    redispatched: m[5] === '+',
    retries: Number(m[6]),
  };
}

/** The entries of a stick table: key → server id. */
export async function stickEntries(socket, table) {
  const text = await admin(socket, `show table ${table}`);
  const entries = new Map();
  for (const m of text.matchAll(/key=(\S+).*?server_id=(\d+)/g)) entries.set(m[1], Number(m[2]));
  return entries;
}
