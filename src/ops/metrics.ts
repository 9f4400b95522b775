import type { ServerResponse } from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { LevelRef, Metrics } from '../app/ports';
import type { Logger } from '../shared/logger';
import { withTimeout } from '../shared/timeout';
import type { HttpRoute } from './http-server';

/** The path every role's ops server serves the metrics at. */
export const METRICS_PATH = '/metrics';

/** How long a scrape waits for the database's counts; past it they are left out and `database_up` says so. */
const DATABASE_TIMEOUT_MS = 2000;

/** Grants by status, counted in the database: one grouped query per scrape. */
export interface GrantCount extends LevelRef {
  /** `REVOKE_FAILED_OVERDUE`: of the REVOKE_FAILED ones, those failing past REVOKE_FAILED_ALERT_SECONDS. */
  status: 'ACTIVE' | 'REVOKE_FAILED' | 'REVOKE_FAILED_OVERDUE';
  count: number;
}

/** What a scrape reads besides the counters this process keeps. */
export interface MetricsSources {
  /** The catalog's levels: each gets its gauges, 0 when no grant holds it. */
  levels(): readonly LevelRef[];
  /** Grants holding access now, by resource, level and status (`ACTIVE`, `REVOKE_FAILED`, `REVOKE_FAILED_OVERDUE`). */
  grantCounts(): Promise<GrantCount[]>;
  /** BullMQ's own exposition of each queue (`Queue.exportPrometheusMetrics`). */
  queueMetrics(): Promise<string[]>;
}

export type SlackCallResult = 'ok' | 'error' | 'rate_limited';
export type ProviderCall = 'grant' | 'revoke' | 'check';

// Seconds: a grant or revoke is a few round trips to a target; a late revoke is measured against the product's promise (a minute).
const CALL_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const LATENESS_BUCKETS = [0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 900, 3600];

/**
 * The process's metrics in Prometheus' text format: what the use-cases report (the `Metrics` port), the
 * Slack and provider calls the adapters make, the grants counted in the database at each scrape, and the
 * queues. Labels are catalog ids, outcomes, codes and method names: never a person, an identity or a secret.
 */
export class PromMetrics implements Metrics {
  readonly registry = new Registry();
  private readonly requests = this.counter('prod_access_requests_total', 'Access requests by outcome: submitted, or refused by its code', [
    'outcome',
    'code',
  ]);
  private readonly decisions = this.counter('prod_access_decisions_total', 'Approvals and denials recorded', ['decision']);
  private readonly grantSeconds = this.histogram(
    'prod_access_grant_duration_seconds',
    'Time a grant job took to apply and record a grant',
    CALL_BUCKETS,
  );
  private readonly revokeSeconds = this.histogram(
    'prod_access_revoke_duration_seconds',
    'Time a revoke job took to remove, read back and record',
    CALL_BUCKETS,
  );
  private readonly revokeLateness = this.histogram(
    'prod_access_revoke_lateness_seconds',
    'Time from a grant’s expires_at to its revoke recorded',
    LATENESS_BUCKETS,
  );
  private readonly reconcilePasses = this.counter('prod_access_reconcile_passes_total', 'Reconcile passes run', []);
  private readonly reconcileRepairs = this.counter('prod_access_reconcile_repairs_total', 'Work a reconcile pass re-derived, by kind', [
    'kind',
  ]);
  private readonly drift = this.counter(
    'prod_access_drift_findings_total',
    'Access found in a target that no live grant explains, per check',
    ['resource', 'level'],
  );
  private readonly slackCalls = this.counter(
    'prod_access_slack_api_calls_total',
    'Slack Web API calls by method and result (rate_limited: each 429 Slack answered, retried or not)',
    ['method', 'result'],
  );
  private readonly providerCalls = this.counter('prod_access_provider_calls_total', 'Provider calls by kind, call and result', [
    'kind',
    'call',
    'result',
  ]);
  private readonly providerSeconds = new Histogram({
    name: 'prod_access_provider_call_duration_seconds',
    help: 'Time a provider call took',
    labelNames: ['kind', 'call'],
    buckets: CALL_BUCKETS,
    registers: [this.registry],
  });
  private readonly grantsActive = this.gauge(
    'prod_access_grants_active',
    'Grants holding access now (ACTIVE), read from the database at the scrape',
  );
  private readonly revokeFailed = this.gauge(
    'prod_access_grants_revoke_failed',
    'Grants in REVOKE_FAILED, read from the database at the scrape',
  );
  private readonly revokeFailedOverdue = this.gauge(
    'prod_access_grants_revoke_failed_overdue',
    'Grants in REVOKE_FAILED for longer than REVOKE_FAILED_ALERT_SECONDS, read from the database at the scrape',
  );
  private readonly databaseUp = new Gauge({
    name: 'prod_access_metrics_database_up',
    help: '1 when the database answered this scrape’s counts in time, else 0 (the grant gauges are then left out)',
    registers: [this.registry],
  });

  constructor(
    private readonly sources: MetricsSources,
    private readonly logger: Logger,
  ) {
    collectDefaultMetrics({ register: this.registry });
  }

  requestSubmitted(): void {
    this.requests.inc({ outcome: 'submitted' });
  }

  requestRefused(code: string): void {
    this.requests.inc({ outcome: 'refused', code });
  }

  decided(decision: 'approve' | 'deny'): void {
    this.decisions.inc({ decision });
  }

  granted({ resourceId, level, seconds }: LevelRef & { seconds: number }): void {
    this.grantSeconds.observe({ resource: resourceId, level }, seconds);
  }

  revoked({ resourceId, level, seconds, lateSeconds }: LevelRef & { seconds: number; lateSeconds?: number }): void {
    this.revokeSeconds.observe({ resource: resourceId, level }, seconds);
    if (lateSeconds !== undefined) this.revokeLateness.observe({ resource: resourceId, level }, lateSeconds);
  }

  reconciled(repaired: Record<string, number>): void {
    this.reconcilePasses.inc();
    for (const [kind, count] of Object.entries(repaired)) this.reconcileRepairs.inc({ kind }, count);
  }

  driftFound(found: readonly LevelRef[]): void {
    for (const { resourceId, level } of found) this.drift.inc({ resource: resourceId, level });
  }

  /** One Web API call's final result, or one 429 on its way. */
  slackCalled(method: string, result: SlackCallResult): void {
    this.slackCalls.inc({ method, result });
  }

  providerCalled(kind: string, call: ProviderCall, result: 'ok' | 'error', seconds: number): void {
    this.providerCalls.inc({ kind, call, result });
    this.providerSeconds.observe({ kind, call }, seconds);
  }

  /** The whole exposition: this registry, with the database's counts read now, then the queues'. */
  async exposition(): Promise<string> {
    const [counts, queues] = await Promise.all([
      withTimeout(this.sources.grantCounts(), DATABASE_TIMEOUT_MS, undefined),
      withTimeout(this.sources.queueMetrics(), DATABASE_TIMEOUT_MS, []),
    ]);
    this.setGrantGauges(counts);
    const own = await this.registry.metrics();
    return `${own}${mergeExpositions(queues)}`;
  }

  private setGrantGauges(counts: GrantCount[] | undefined): void {
    this.grantsActive.reset();
    this.revokeFailed.reset();
    this.revokeFailedOverdue.reset();
    this.databaseUp.set(counts ? 1 : 0);
    if (!counts) {
      this.logger.warn('metrics: the database did not answer the grant counts in time');
      return;
    }
    for (const { resourceId, level } of this.sources.levels()) {
      this.grantsActive.set({ resource: resourceId, level }, 0);
      this.revokeFailed.set({ resource: resourceId, level }, 0);
      this.revokeFailedOverdue.set({ resource: resourceId, level }, 0);
    }
    const gauges = { ACTIVE: this.grantsActive, REVOKE_FAILED: this.revokeFailed, REVOKE_FAILED_OVERDUE: this.revokeFailedOverdue };
    for (const { resourceId, level, status, count } of counts) gauges[status].set({ resource: resourceId, level }, count);
  }

  private counter(name: string, help: string, labelNames: string[]) {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  private histogram(name: string, help: string, buckets: number[]) {
    return new Histogram({ name, help, labelNames: ['resource', 'level'], buckets, registers: [this.registry] });
  }

  private gauge(name: string, help: string) {
    return new Gauge({ name, help, labelNames: ['resource', 'level'], registers: [this.registry] });
  }
}

/**
 * Several expositions as one: each family's `# HELP` and `# TYPE` once, followed by all its samples.
 * BullMQ writes both lines for every queue, and Prometheus refuses a family described twice.
 */
export function mergeExpositions(texts: readonly string[]): string {
  const families = new Map<string, { head: string[]; samples: string[] }>();
  const familyOf = (name: string) => {
    let family = families.get(name);
    if (!family) families.set(name, (family = { head: [], samples: [] }));
    return family;
  };
  for (const line of texts.flatMap((text) => text.split('\n'))) {
    const described = /^# (HELP|TYPE) (\S+)/.exec(line);
    if (described) {
      const family = familyOf(described[2]!);
      if (!family.head.some((head) => head.startsWith(`# ${described[1]} `))) family.head.push(line);
    } else if (line.trim() && !line.startsWith('#')) {
      familyOf(/^[^{\s]+/.exec(line)![0]).samples.push(line);
    }
  }
  return [...families.values()].map(({ head, samples }) => [...head, ...samples, ''].join('\n')).join('');
}

/** `GET /metrics`, for any role's HTTP server. */
export function metricsRoute(metrics: Pick<PromMetrics, 'exposition' | 'registry'>): HttpRoute {
  return {
    path: METRICS_PATH,
    methods: {
      GET: async (_req: unknown, res: ServerResponse) => {
        const body = await metrics.exposition();
        res.writeHead(200, { 'content-type': metrics.registry.contentType });
        res.end(body);
      },
    },
  };
}
