/* global clearTimeout, setTimeout */
// Child processes of the benchmark and soak scripts (bench/run.mjs, scripts/soak.mjs): node
// processes that print JSON log lines, started and awaited on their readiness line, every one
// tracked and killed if the script exits; and what /proc says about a process (RSS, CPU time).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * The arguments of `node <args>` for `naftiko run <spec>` as the benchmarks run it: every
 * consumes namespace matching `baseUri`'s `ns=` pointed at the local upstream, every adapter on
 * a free port of 127.0.0.1, JSON logs (what `start` reads), then `extra`.
 */
export function engineArgs(cli, spec, baseUri, extra = []) {
  return [
    cli,
    'run',
    spec,
    '--base-uri',
    baseUri,
    '--port',
    '*=0',
    '--address',
    '*=127.0.0.1',
    '--log-format',
    'json',
    ...extra,
  ];
}

/**
 * `start` and `stop` for children run from `root` with `env` added to this process's
 * environment. Every child still running when this process exits (or is interrupted) is killed;
 * `killAll` does it at once (so that their open pipes do not keep this process alive).
 */
export function processes({ root, env: baseEnv = {} }) {
  const children = new Set();
  const killAll = () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  };
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

  /**
   * Spawns `node <args>`; resolves on `capability.ready` (or `upstream.listening`) with the
   * adapters' URLs (`urls[type]`, loopback spelled 127.0.0.1; `urls.upstream`) and the time to
   * readiness. With `keepLogs`, the child's warn/error lines (at most 50) are collected in `logs`
   * while it runs; otherwise its output is drained unparsed after readiness (no work competing
   * with a measured process).
   */
  function start(name, args, { timeoutMs = 20_000, env = {}, keepLogs = false } = {}) {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, args, {
      cwd: root,
      env: { ...process.env, ...baseEnv, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    const urls = {};
    const logs = [];
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d).length > 8000 && (stderr = stderr.slice(-8000)));
    return new Promise((resolveP, reject) => {
      const timer = setTimeout(
        () => fail(new Error(`${name}: not ready after ${timeoutMs} ms\n${stderr}`)),
        timeoutMs,
      );
      function fail(err) {
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(err);
      }
      const onExit = (code) =>
        fail(new Error(`${name}: exited with ${code} before ready\n${stderr}`));
      child.once('exit', onExit);
      let ready = false;
      let buf = '';
      const onData = (d) => {
        buf += d;
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          let ev;
          try {
            ev = JSON.parse(line);
          } catch {
            continue;
          }
          // Warnings and errors (a 5xx logs one): shown when something fails.
          const loud =
            (typeof ev.level === 'string' && /warn|error|fatal/.test(ev.level)) ||
            (typeof ev.level === 'number' && ev.level >= 40);
          if (keepLogs && loud && logs.length < 50) logs.push(line);
          if (ev.event === 'adapter.listening')
            urls[ev.type] = ev.url.replace('//localhost:', '//127.0.0.1:');
          if (ev.event === 'upstream.listening') urls.upstream = ev.url;
          if (!ready && (ev.event === 'capability.ready' || ev.event === 'upstream.listening')) {
            ready = true;
            clearTimeout(timer);
            child.off('exit', onExit);
            if (!keepLogs) {
              // Keep draining the output, without parsing it.
              child.stdout.off('data', onData);
              child.stdout.on('data', () => {});
            }
            const readyMs = Number(process.hrtime.bigint() - t0) / 1e6;
            resolveP({ name, child, pid: child.pid, urls, readyMs, logs, stderr: () => stderr });
            if (!keepLogs) return;
          }
        }
      };
      child.stdout.on('data', onData);
    });
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code and the time it took. */
  function stop(p, graceMs = 3_000) {
    return new Promise((res) => {
      const c = p.child;
      if (c.exitCode !== null || c.signalCode !== null)
        return res({ code: c.exitCode, signal: c.signalCode, ms: 0 });
      const t0 = Date.now();
      const t = setTimeout(() => c.kill('SIGKILL'), graceMs);
      c.once('exit', (code, signal) => {
        clearTimeout(t);
        children.delete(c);
        res({ code, signal, ms: Date.now() - t0 });
      });
      c.kill('SIGTERM');
    });
  }

  return { start, stop, killAll };
}

/** CPU seconds (user + system) a process has used so far, from /proc (clock ticks of 10 ms). */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** Resident set size in MB, from /proc. */
export function rssMB(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}
