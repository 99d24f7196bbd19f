/**
 * `auth.refused` events are bounded (issue 9): one per adapter and address per window, the rest
 * counted and reported with the next one; a global budget bounds many addresses at once.
 */
import { describe, expect, it } from 'vitest';
import type { Logger } from '../../../src/logger.js';
import { createRefusalLog } from '../../../src/exposes/auth/refusal-log.js';
import type { RefusalEvent } from '../../../src/exposes/auth/guard.js';

function capture() {
  const lines: { event: string; fields: Record<string, unknown> }[] = [];
  const log: Logger = {
    debug: () => {},
    info: () => {},
    warn: (event, _message, fields = {}) => void lines.push({ event, fields }),
    error: () => {},
    withRedaction: () => log,
  };
  return { log, lines };
}

const refusal = (remoteAddress: string, adapter = 'api'): RefusalEvent => ({
  adapter,
  scheme: 'bearer',
  status: 401,
  reason: 'wrong bearer token',
  remoteAddress,
});

describe('refusal log', () => {
  it('logs the first refusal per address and window, then the count of the others', () => {
    const { log, lines } = capture();
    let now = 1_000;
    const report = createRefusalLog(log, { windowMs: 60_000, now: () => now });
    for (let i = 0; i < 500; i++) report(refusal('10.0.0.1'));
    report(refusal('10.0.0.2'));
    report(refusal('10.0.0.1', 'other'));
    expect(lines.map((l) => l.fields.remoteAddress)).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.1']);
    expect(lines[0]!.fields).toMatchObject({
      adapter: 'api',
      scheme: 'bearer',
      reason: 'wrong bearer token',
    });
    now += 60_000;
    report(refusal('10.0.0.1'));
    expect(lines).toHaveLength(4);
    expect(lines[3]!.fields).toMatchObject({ remoteAddress: '10.0.0.1', suppressed: 499 });
  });

  it('bounds what many addresses can log in one window', () => {
    const { log, lines } = capture();
    let now = 0;
    const report = createRefusalLog(log, { budget: 10, now: () => now });
    for (let i = 0; i < 1_000; i++) report(refusal(`10.1.${i >> 8}.${i & 255}`));
    expect(lines.filter((l) => l.event === 'auth.refused')).toHaveLength(10);
    now += 60_000;
    report(refusal('10.9.9.9'));
    expect(lines.find((l) => l.event === 'auth.refused.suppressed')?.fields).toEqual({
      suppressed: 990,
    });
  });

  it('forgets the oldest addresses past its capacity', () => {
    const { log, lines } = capture();
    const report = createRefusalLog(log, { maxTracked: 2, budget: 100, now: () => 5 });
    report(refusal('a'));
    report(refusal('b'));
    report(refusal('c')); // forgets a
    report(refusal('a')); // logged again: a was forgotten
    report(refusal('c')); // still tracked: suppressed
    expect(lines.map((l) => l.fields.remoteAddress)).toEqual(['a', 'b', 'c', 'a']);
  });
});
