/**
 * The observability leaf (issue 10): the no-op recorder until `enableMetrics()`, one registry per
 * process, the Prometheus text of what was recorded, status classes, and which control adapters
 * want metrics (schema ObservabilitySpec, LocalEndpointToggle).
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  disableMetrics,
  enableMetrics,
  metrics,
  statusClass,
  wantsMetrics,
} from '../../src/observability/metrics.js';

afterEach(() => disableMetrics());

describe('metrics recorder', () => {
  it('is a no-op until enabled: nothing recorded, no exposition', () => {
    const recorder = metrics();
    expect(recorder.enabled).toBe(false);
    recorder.recordRequest('rest', 'api', 'op', '2xx', 0.01);
    recorder.recordUpstream('up', 'op', '2xx', 0.01);
    expect(recorder.exposition()).toBeUndefined();
  });

  it('keeps one registry per process and exposes Prometheus text', async () => {
    const first = await enableMetrics();
    expect(await enableMetrics()).toBe(first);
    expect(metrics()).toBe(first);
    first.recordRequest('rest', 'api', 'list-items', '2xx', 0.003);
    first.recordRequest('rest', 'api', 'list-items', '2xx', 0.2);
    first.recordUpstream('up', 'list-items', 'UPSTREAM_TIMEOUT', 2);
    const text = await first.exposition();
    expect(text?.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    const body = text?.body ?? '';
    expect(body).toContain(
      'naftiko_requests_total{adapter_type="rest",adapter="api",operation="list-items",status_class="2xx"} 2',
    );
    expect(body).toContain(
      'naftiko_request_duration_seconds_bucket{le="0.005",adapter_type="rest",adapter="api",operation="list-items"} 1',
    );
    // Buckets are cumulative: 0.003 s is under 0.005, 0.2 s under 0.25.
    for (const [le, n] of [
      ['0.001', 0],
      ['0.25', 2],
      ['30', 2],
      ['+Inf', 2],
    ] as const) {
      expect(body).toContain(
        `naftiko_request_duration_seconds_bucket{le="${le}",adapter_type="rest",adapter="api",operation="list-items"} ${n}\n`,
      );
    }
    expect(body).toContain(
      'naftiko_request_duration_seconds_count{adapter_type="rest",adapter="api",operation="list-items"} 2\n',
    );
    expect(body).toContain(
      'naftiko_upstream_requests_total{namespace="up",operation="list-items",outcome="UPSTREAM_TIMEOUT"} 1',
    );
    expect(body).toContain(
      'naftiko_upstream_request_duration_seconds_sum{namespace="up",operation="list-items"} 2',
    );
    expect(body).toMatch(/^process_resident_memory_bytes \d+/m);
  });

  it('starts from an empty registry after disableMetrics', async () => {
    (await enableMetrics()).recordRequest('mcp', 'tools', 'a-tool', 'ok', 0.1);
    disableMetrics();
    expect(metrics().enabled).toBe(false);
    const body = (await (await enableMetrics()).exposition())?.body ?? '';
    expect(body).not.toContain('a-tool');
  });
});

describe('statusClass', () => {
  it('maps HTTP statuses to classes', () => {
    expect([200, 204, 301, 404, 502, 599].map(statusClass)).toEqual([
      '2xx',
      '2xx',
      '3xx',
      '4xx',
      '5xx',
      '5xx',
    ]);
    expect(statusClass(0)).toBe('other');
  });
});

describe('wantsMetrics', () => {
  it('is on unless observability or its local metrics endpoint is turned off', () => {
    expect(wantsMetrics({})).toBe(true);
    expect(wantsMetrics({ observability: {} })).toBe(true);
    expect(wantsMetrics({ observability: { metrics: { local: { enabled: true } } } })).toBe(true);
    expect(wantsMetrics({ observability: { enabled: false } })).toBe(false);
    expect(wantsMetrics({ observability: { metrics: { local: { enabled: false } } } })).toBe(false);
  });
});
