/** Listen addresses that can collide on one port, whatever their spelling (clash detection). */
import { describe, expect, it } from 'vitest';
import { addressesOverlap, canonicalAddress } from '../../src/spec/rules/ports.js';

describe('addressesOverlap', () => {
  it('reads every spelling of one address as that address', () => {
    expect(canonicalAddress('LOCALHOST')).toBe('localhost');
    expect(canonicalAddress('[::1]')).toBe('::1');
    expect(canonicalAddress('0:0:0:0:0:0:0:0')).toBe('::');
    expect(canonicalAddress('0:0:0:0:0:0:0:1')).toBe('::1');
    expect(canonicalAddress('127.0.0.1')).toBe('127.0.0.1');
  });

  it('finds collisions across spellings, wildcards and loopback names', () => {
    for (const [a, b] of [
      ['0:0:0:0:0:0:0:0', '127.0.0.1'],
      ['LOCALHOST', '127.0.0.1'],
      ['[::1]', 'localhost'],
      ['0.0.0.0', '192.0.2.7'],
      ['10.0.0.5', '10.0.0.5'],
    ]) {
      expect(addressesOverlap(a as string, b as string), `${a} ${b}`).toBe(true);
    }
  });

  it('keeps distinct addresses apart', () => {
    expect(addressesOverlap('10.0.0.5', '10.0.0.6')).toBe(false);
    expect(addressesOverlap('127.0.0.2', '192.0.2.7')).toBe(false);
  });
});
