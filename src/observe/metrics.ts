import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of the event sync, on a registry of its own (tests run several at once). */
export class SyncMetrics {
  readonly registry = new Registry();
  readonly received = new Counter({ name: 'ciam_sync_events_received_total', help: 'Events committed to the inbox', labelNames: ['input'], registers: [this.registry] });
  readonly duplicates = new Counter({ name: 'ciam_sync_events_duplicate_total', help: 'Redelivered events dropped by the inbox', labelNames: ['input'], registers: [this.registry] });
  readonly deadOnIngest = new Counter({ name: 'ciam_sync_events_undecodable_total', help: 'Events dead-lettered on arrival (unparseable, unknown type, no subject)', labelNames: ['input'], registers: [this.registry] });
  readonly applied = new Counter({ name: 'ciam_sync_events_applied_total', help: 'Events the target now reflects', registers: [this.registry] });
  readonly skipped = new Counter({ name: 'ciam_sync_events_skipped_total', help: 'Events at or below the applied version, or after a tombstone', registers: [this.registry] });
  readonly dead = new Counter({ name: 'ciam_sync_events_dead_total', help: 'Events refused by the target or out of attempts', registers: [this.registry] });
  readonly retries = new Counter({ name: 'ciam_sync_user_retries_total', help: 'Users put back for a retry', registers: [this.registry] });
  readonly throttled = new Counter({ name: 'ciam_sync_target_throttled_total', help: 'Target calls answered with push-back (429/503)', registers: [this.registry] });
  readonly webhookRejected = new Counter({ name: 'ciam_sync_webhook_rejected_total', help: 'Webhook requests refused or replayed', labelNames: ['reason'], registers: [this.registry] });
  readonly backlog = new Gauge({ name: 'ciam_sync_backlog_events', help: 'Events received and not yet applied', registers: [this.registry] });
  readonly backlogUsers = new Gauge({ name: 'ciam_sync_backlog_users', help: 'Users with unapplied events', registers: [this.registry] });
  readonly lag = new Gauge({ name: 'ciam_sync_lag_seconds', help: 'Age of the oldest unapplied event', registers: [this.registry] });
  readonly rate = new Gauge({ name: 'ciam_sync_apply_rate', help: 'Events applied per second (last minute)', registers: [this.registry] });
  readonly applyLag = new Histogram({
    name: 'ciam_sync_apply_latency_seconds',
    help: 'From arrival in the inbox to applied at the target',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });

  constructor(defaults = false) {
    if (defaults) collectDefaultMetrics({ register: this.registry });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
