/**
 * The live sessions of an MCP-over-HTTP adapter, bounded in number and in idle time (issue 11).
 *
 * - At most `maxSessions` sessions exist, counting the initializes in flight: `reserve()` says
 *   whether a new one may be opened *before* anything is allocated for it, so a flood of
 *   `initialize` requests costs a 503 each, not a transport and a server each.
 * - A session whose client has sent nothing for `idleMs`, and that has no request in progress,
 *   is closed by a periodic sweep; its id is then unknown, which the adapter answers with 404 so
 *   that the client starts a new session (MCP 2025-11-25, Streamable HTTP, "Session
 *   Management"). A standing GET stream is not a request in progress: it stays open for as long
 *   as the client's socket does, and a peer that vanished without closing it (a half-open TCP
 *   connection) would otherwise keep its session forever. Closing the session ends the stream.
 * - The sweep timer is `unref()`ed (it never keeps the process alive) and stopped by `stop()`.
 */

export interface SessionLimits {
  /** Most sessions open at once (default 1,000). */
  readonly maxSessions: number;
  /** A session unused for this long is closed, in milliseconds (default 15 minutes). */
  readonly idleMs: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = { maxSessions: 1_000, idleMs: 15 * 60_000 };

interface Entry<S> {
  readonly session: S;
  lastUsed: number;
  active: number;
}

/** Room claimed for one session being opened, given back once (whichever comes first). */
export interface Claim {
  /** The session was added, or its initialize created none. */
  release(): void;
}

export interface SessionTable<S> {
  /** Claims room for one new session; undefined when the table is full (nothing claimed). */
  reserve(): Claim | undefined;
  add(id: string, session: S): void;
  get(id: string): S | undefined;
  delete(id: string): void;
  /** The client used the session (e.g. opened a stream): its idle clock starts again. */
  touch(id: string): void;
  /** A request of this session starts: it is not idle until `end`. */
  begin(id: string): void;
  end(id: string): void;
  values(): S[];
  /** Live sessions (claims in flight excluded). */
  readonly size: number;
  /** Stops the idle sweep. */
  stop(): void;
}

export function createSessionTable<S>(
  limits: SessionLimits,
  close: (session: S) => void,
  now: () => number = Date.now,
): SessionTable<S> {
  const entries = new Map<string, Entry<S>>();
  let claims = 0;

  const sweep = () => {
    const cutoff = now() - limits.idleMs;
    for (const [id, entry] of entries) {
      if (entry.active === 0 && entry.lastUsed <= cutoff) {
        entries.delete(id);
        close(entry.session);
      }
    }
  };
  // Often enough that a session outlives its idle time by at most half of it (and a minute).
  const timer = setInterval(sweep, Math.min(60_000, Math.max(100, limits.idleMs / 2)));
  timer.unref();

  return {
    reserve() {
      if (entries.size + claims >= limits.maxSessions) return undefined;
      claims++;
      let held = true;
      return {
        release() {
          if (held) {
            held = false;
            claims--;
          }
        },
      };
    },
    add(id, session) {
      entries.set(id, { session, lastUsed: now(), active: 0 });
    },
    get(id) {
      return entries.get(id)?.session;
    },
    delete(id) {
      entries.delete(id);
    },
    touch(id) {
      const entry = entries.get(id);
      if (entry !== undefined) entry.lastUsed = now();
    },
    begin(id) {
      const entry = entries.get(id);
      if (entry === undefined) return;
      entry.active++;
      entry.lastUsed = now();
    },
    end(id) {
      const entry = entries.get(id);
      if (entry === undefined) return;
      entry.active = Math.max(0, entry.active - 1);
      entry.lastUsed = now();
    },
    values() {
      return [...entries.values()].map((e) => e.session);
    },
    get size() {
      return entries.size;
    },
    stop() {
      clearInterval(timer);
    },
  };
}
