import { approve, requestAccess, useHarness, waitUntil } from '../support/harness';
import { labelValues, sampleOf } from '../support/prometheus';

/**
 * What an operator scrapes: a whole lifecycle through the real HTTP endpoint, then `/metrics` on the web
 * role's server holds each family with the values of that lifecycle, and no label names a person.
 */
describe('metrics: /metrics after a lifecycle', () => {
  const h = useHarness();
  const scrape = async () => {
    const res = await fetch(h.endpoint.replace('/slack/events', '/metrics'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    return res.text();
  };

  test('requests, decisions, grants active 1 then 0, durations, revoke lateness, Slack and provider calls, queues', async () => {
    const at = { resource: h.resourceId, level: 'read-only' };
    const { dev } = h.users;
    const refused = await h.ask(dev, `request ${h.resourceId} no-such-level 1h testing`);
    expect(refused).not.toMatch(/Request #\d+ sent/);

    const id = await requestAccess(h, { duration: '3s' });
    await approve(h, id);
    await h.waitForApprovalMessage(id, 'active until');
    const during = await scrape();
    expect(sampleOf(during, 'prod_access_requests_total', { outcome: 'submitted' })).toBe(1);
    expect(sampleOf(during, 'prod_access_requests_total', { outcome: 'refused', code: 'UNKNOWN_LEVEL' })).toBe(1);
    expect(sampleOf(during, 'prod_access_decisions_total', { decision: 'approve' })).toBe(1);
    expect(sampleOf(during, 'prod_access_grants_active', at)).toBe(1);
    expect(sampleOf(during, 'prod_access_grants_revoke_failed', at)).toBe(0);
    expect(sampleOf(during, 'prod_access_grant_duration_seconds_count', at)).toBe(1);
    expect(sampleOf(during, 'prod_access_metrics_database_up', {})).toBe(1);

    await h.waitForApprovalMessage(id, 'Ended at its expiry', 20_000);
    // The gauge is read at the scrape; the revoke's histogram is observed once the job has recorded it.
    const after = await waitUntil(
      async () => {
        const text = await scrape();
        return sampleOf(text, 'prod_access_revoke_lateness_seconds_count', at) === 1 ? text : undefined;
      },
      10_000,
      () => 'the revoke lateness observed',
    );
    expect(sampleOf(after, 'prod_access_grants_active', at)).toBe(0);
    expect(sampleOf(after, 'prod_access_revoke_duration_seconds_count', at)).toBe(1);
    // Revoked at its expiry: late by the queue's delay and the job's run, never by more than the promise's minute.
    const lateness = sampleOf(after, 'prod_access_revoke_lateness_seconds_sum', at)!;
    expect(lateness).toBeGreaterThanOrEqual(0);
    expect(sampleOf(after, 'prod_access_revoke_lateness_seconds_bucket', { ...at, le: '60' })).toBe(1);

    expect(sampleOf(after, 'prod_access_slack_api_calls_total', { method: 'chat.postMessage', result: 'ok' })).toBeGreaterThanOrEqual(2);
    expect(sampleOf(after, 'prod_access_slack_api_calls_total', { method: 'chat.update', result: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(sampleOf(after, 'prod_access_provider_calls_total', { kind: 'postgres', call: 'grant', result: 'ok' })).toBe(1);
    expect(sampleOf(after, 'prod_access_provider_calls_total', { kind: 'postgres', call: 'revoke', result: 'ok' })).toBe(1);
    expect(sampleOf(after, 'prod_access_provider_calls_total', { kind: 'postgres', call: 'check', result: 'ok' })).toBe(1);
    expect(sampleOf(after, 'prod_access_reconcile_passes_total', {})).toBeGreaterThanOrEqual(1);
    expect(after).toContain('# TYPE prod_access_reconcile_repairs_total counter');
    expect(after).toContain('# TYPE prod_access_drift_findings_total counter');
    expect(sampleOf(after, 'bullmq_job_count', { queue: 'access', state: 'waiting' })).toBeDefined();
    expect(after.match(/^# TYPE bullmq_job_count gauge$/gm)).toHaveLength(1);
    expect(sampleOf(after, 'bullmq_job_completed_total', { queue: 'revoke' })).toBeGreaterThanOrEqual(1);

    // No label carries a person or an identity: neither the Slack user ids of the workspace nor the database login.
    const people = [...Object.values(h.users), h.target.roles.login];
    expect(labelValues(after).filter((value) => people.some((person) => value.includes(person)))).toEqual([]);
  });

  test('a failing revoke is in the REVOKE_FAILED gauge and the provider errors until it succeeds; a 429 from Slack is counted', async () => {
    const at = { resource: h.resourceId, level: 'read-only' };
    const count = (text: string, name: string, labels: Record<string, string>) => sampleOf(text, name, labels) ?? 0;
    const rateLimited = { method: 'chat.postMessage', result: 'rate_limited' };
    const revokeErrors = { kind: 'postgres', call: 'revoke', result: 'error' };
    const before = await scrape();
    h.slack.failNext('chat.postMessage', { status: 429, retryAfter: 1 }, 1);
    const id = await requestAccess(h, { duration: '3s' });
    await approve(h, id);
    await h.waitForApprovalMessage(id, 'active until');
    h.setTargetReachable(false);
    await h.waitForApprovalMessage(id, 'Revoke is failing', 20_000);
    const failing = await scrape();
    expect(sampleOf(failing, 'prod_access_grants_revoke_failed', at)).toBe(1);
    expect(count(failing, 'prod_access_provider_calls_total', revokeErrors)).toBeGreaterThan(
      count(before, 'prod_access_provider_calls_total', revokeErrors),
    );
    expect(count(failing, 'prod_access_slack_api_calls_total', rateLimited)).toBe(
      count(before, 'prod_access_slack_api_calls_total', rateLimited) + 1,
    );

    h.setTargetReachable(true);
    await h.waitForApprovalMessage(id, 'Ended at its expiry', 30_000);
    const ended = await waitUntil(
      async () => {
        const text = await scrape();
        return count(text, 'prod_access_revoke_lateness_seconds_count', at) > count(before, 'prod_access_revoke_lateness_seconds_count', at)
          ? text
          : undefined;
      },
      10_000,
      () => 'the late revoke observed',
    );
    expect(sampleOf(ended, 'prod_access_grants_revoke_failed', at)).toBe(0);
    // Observed after its retries, later than its expiry.
    const lateness = (text: string) => count(text, 'prod_access_revoke_lateness_seconds_sum', at);
    expect(lateness(ended)).toBeGreaterThan(lateness(before));
  });
});
