/**
 * A per-client rate limiter: one token bucket per client key (the caller's IP address), holding
 * at most `perMinute` tokens and refilled at `perMinute` tokens a minute. A client may burst up to
 * its allowance, then gets one request per `60 / perMinute` seconds; a refused request is told
 * when its next token arrives (`Retry-After`, RFC 9110 §10.2.3).
 *
 * Memory is bounded: at most `maxClients` buckets are kept. The map is in least-recently-seen
 * order (a bucket is re-inserted on each use), so when it is full the bucket dropped is the one
 * of the client seen longest ago; a full bucket (a client quiet for a minute) carries no
 * information and is dropped first. A client whose bucket was dropped starts again with a full
 * allowance, which is no worse than a fixed window.
 */

export interface RateDecision {
  readonly allowed: boolean;
  /** Whole seconds until the next request would be allowed (0 when allowed). */
  readonly retryAfterSeconds: number;
}

export interface RateLimiter {
  /** Takes `units` tokens (default 1) when the client has them all; else none. */
  take(client: string, now?: number, units?: number): RateDecision;
  /** How many clients are tracked right now (for tests and diagnostics). */
  readonly size: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

const ALLOWED: RateDecision = { allowed: true, retryAfterSeconds: 0 };

export function createRateLimiter(perMinute: number, maxClients = 10_000): RateLimiter {
  const perMs = perMinute / 60_000;
  const buckets = new Map<string, Bucket>();

  const evictOne = (now: number) => {
    // Prefer a bucket that has refilled (its client has been quiet for a full minute) among the
    // oldest few; otherwise the least recently seen one.
    let scanned = 0;
    for (const [key, bucket] of buckets) {
      if (bucket.tokens + (now - bucket.at) * perMs >= perMinute) {
        buckets.delete(key);
        return;
      }
      if (++scanned >= 16) break;
    }
    const oldest = buckets.keys().next();
    if (!oldest.done) buckets.delete(oldest.value);
  };

  return {
    take(client, now = Date.now(), units = 1) {
      let bucket = buckets.get(client);
      if (bucket === undefined) {
        if (buckets.size >= maxClients) evictOne(now);
        bucket = { tokens: perMinute, at: now };
      } else {
        bucket.tokens = Math.min(perMinute, bucket.tokens + (now - bucket.at) * perMs);
        bucket.at = now;
        buckets.delete(client);
      }
      buckets.set(client, bucket);
      if (bucket.tokens >= units) {
        bucket.tokens -= units;
        return ALLOWED;
      }
      // More than a whole allowance is never granted (a minute's wait, then ask for less).
      if (units > perMinute) return { allowed: false, retryAfterSeconds: 60 };
      return {
        allowed: false,
        retryAfterSeconds: Math.max(1, Math.ceil((units - bucket.tokens) / perMs / 1000)),
      };
    },
    get size() {
      return buckets.size;
    },
  };
}
