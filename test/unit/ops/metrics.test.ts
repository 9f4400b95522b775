import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../../../src/shared/logger';
import { type GrantCount, mergeExpositions, type MetricsSources, PromMetrics } from '../../../src/ops/metrics';
import { createWebClient } from '../../../src/slack/outbound/web-client';
import { labelValues, sampleOf } from '../../support/prometheus';

const logger = createLogger({ level: 'silent', pretty: false });
const levels = [
  { resourceId: 'orders-db', level: 'read-only' },
  { resourceId: 'orders-db', level: 'write' },
];

function metricsWith(sources: Partial<MetricsSources> = {}) {
  return new PromMetrics({ levels: () => levels, grantCounts: async () => [], queueMetrics: async () => [], ...sources }, logger);
}

describe('the Prometheus metrics', () => {
  test('each report lands in its family, with catalog ids and codes as labels', async () => {
    const metrics = metricsWith();
    metrics.requestSubmitted();
    metrics.requestRefused('RATE_LIMITED');
    metrics.decided('approve');
    metrics.decided('deny');
    metrics.granted({ ...levels[0]!, seconds: 0.2 });
    metrics.revoked({ ...levels[0]!, seconds: 0.3, lateSeconds: 4 });
    metrics.revoked({ ...levels[0]!, seconds: 0.1 });
    metrics.reconciled({ revokesDue: 2, timedOut: 0 });
    metrics.driftFound([levels[1]!]);
    metrics.slackCalled('chat.postMessage', 'rate_limited');
    metrics.providerCalled('postgres', 'revoke', 'error', 0.05);
    const text = await metrics.exposition();
    const read = { resource: 'orders-db', level: 'read-only' };
    expect(sampleOf(text, 'prod_access_requests_total', { outcome: 'submitted' })).toBe(1);
    expect(sampleOf(text, 'prod_access_requests_total', { outcome: 'refused', code: 'RATE_LIMITED' })).toBe(1);
    expect(sampleOf(text, 'prod_access_decisions_total', { decision: 'deny' })).toBe(1);
    expect(sampleOf(text, 'prod_access_grant_duration_seconds_sum', read)).toBe(0.2);
    expect(sampleOf(text, 'prod_access_revoke_duration_seconds_count', read)).toBe(2);
    expect(sampleOf(text, 'prod_access_revoke_lateness_seconds_count', read)).toBe(1);
    expect(sampleOf(text, 'prod_access_revoke_lateness_seconds_bucket', { ...read, le: '2' })).toBe(0);
    expect(sampleOf(text, 'prod_access_revoke_lateness_seconds_bucket', { ...read, le: '5' })).toBe(1);
    expect(sampleOf(text, 'prod_access_reconcile_passes_total', {})).toBe(1);
    expect(sampleOf(text, 'prod_access_reconcile_repairs_total', { kind: 'revokesDue' })).toBe(2);
    expect(sampleOf(text, 'prod_access_drift_findings_total', { resource: 'orders-db', level: 'write' })).toBe(1);
    expect(sampleOf(text, 'prod_access_slack_api_calls_total', { method: 'chat.postMessage', result: 'rate_limited' })).toBe(1);
    expect(sampleOf(text, 'prod_access_provider_calls_total', { kind: 'postgres', call: 'revoke', result: 'error' })).toBe(1);
  });

  test('grant gauges come from the database at each scrape, 0 for a catalog level no grant holds', async () => {
    let counts: GrantCount[] = [{ ...levels[1]!, status: 'ACTIVE', count: 3 }];
    const metrics = metricsWith({ grantCounts: async () => counts });
    const first = await metrics.exposition();
    expect(sampleOf(first, 'prod_access_grants_active', { resource: 'orders-db', level: 'write' })).toBe(3);
    expect(sampleOf(first, 'prod_access_grants_active', { resource: 'orders-db', level: 'read-only' })).toBe(0);
    counts = [
      { ...levels[1]!, status: 'REVOKE_FAILED', count: 1 },
      { ...levels[1]!, status: 'REVOKE_FAILED_OVERDUE', count: 1 },
    ];
    const second = await metrics.exposition();
    expect(sampleOf(first, 'prod_access_grants_revoke_failed_overdue', { resource: 'orders-db', level: 'write' })).toBe(0);
    expect(sampleOf(second, 'prod_access_grants_revoke_failed_overdue', { resource: 'orders-db', level: 'write' })).toBe(1);
    expect(sampleOf(second, 'prod_access_grants_active', { resource: 'orders-db', level: 'write' })).toBe(0);
    expect(sampleOf(second, 'prod_access_grants_revoke_failed', { resource: 'orders-db', level: 'write' })).toBe(1);
    expect(sampleOf(second, 'prod_access_metrics_database_up', {})).toBe(1);
  });

  test('a database that fails the scrape leaves the grant gauges out and says so, rather than reading 0', async () => {
    const metrics = metricsWith({ grantCounts: () => Promise.reject(new Error('down')) });
    const text = await metrics.exposition();
    expect(sampleOf(text, 'prod_access_metrics_database_up', {})).toBe(0);
    expect(sampleOf(text, 'prod_access_grants_active', { resource: 'orders-db', level: 'write' })).toBeUndefined();
  });

  test("the queues' expositions are appended with each family described once", async () => {
    const queue = (name: string, waiting: number) =>
      [
        '# HELP bullmq_job_count Number of jobs in the queue by state',
        '# TYPE bullmq_job_count gauge',
        `bullmq_job_count{queue="${name}", state="waiting"} ${waiting}`,
        '# HELP bullmq_job_completed_total Total number of completed jobs',
        '# TYPE bullmq_job_completed_total counter',
        `bullmq_job_completed_total{queue="${name}"} 0`,
      ].join('\n');
    const merged = mergeExpositions([queue('access', 2), queue('revoke', 5)]);
    expect(merged.match(/^# TYPE bullmq_job_count gauge$/gm)).toHaveLength(1);
    expect(merged.split('\n').slice(0, 4)).toEqual([
      '# HELP bullmq_job_count Number of jobs in the queue by state',
      '# TYPE bullmq_job_count gauge',
      'bullmq_job_count{queue="access", state="waiting"} 2',
      'bullmq_job_count{queue="revoke", state="waiting"} 5',
    ]);
    const text = await metricsWith({ queueMetrics: async () => [queue('access', 2)] }).exposition();
    expect(sampleOf(text, 'bullmq_job_count', { queue: 'access', state: 'waiting' })).toBe(2);
  });

  test('no label value is a Slack user id or an identity, whatever the use-cases were about', async () => {
    const metrics = metricsWith();
    metrics.requestSubmitted();
    metrics.decided('approve');
    metrics.revoked({ ...levels[0]!, seconds: 1, lateSeconds: 1 });
    metrics.requestRefused('SELF_APPROVAL');
    const values = labelValues(await metrics.exposition());
    expect(values.length).toBeGreaterThan(0);
    expect(values.filter((value) => /^[UW][A-Z0-9]{2,}$/.test(value))).toEqual([]);
  });
});

describe("the Slack client's call counts", () => {
  test('each 429 is seen as it happens, and the call once by its final result', async () => {
    let calls = 0;
    const slack = createServer((_req, res) => {
      calls += 1;
      if (calls === 1) res.writeHead(429, { 'retry-after': '0' }).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: calls === 2, error: 'channel_not_found' }));
    });
    await new Promise<void>((resolve) => slack.listen(0, '127.0.0.1', resolve));
    const seen: string[] = [];
    const client = createWebClient(
      { token: 'xoxb-test', apiUrl: `http://127.0.0.1:${(slack.address() as AddressInfo).port}/api/` },
      logger,
      (method, result) => seen.push(`${method} ${result}`),
    );
    try {
      await client.chat.postMessage({ channel: 'C1', text: 'hi' });
      await expect(client.chat.update({ channel: 'C1', ts: '1', text: 'hi' })).rejects.toThrow();
      expect(seen).toEqual(['chat.postMessage rate_limited', 'chat.postMessage ok', 'chat.update error']);
    } finally {
      slack.close();
    }
  });
});
