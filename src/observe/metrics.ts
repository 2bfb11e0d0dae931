import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of the event sync, on a registry of its own (tests run several at once). */
export class SyncMetrics {
  readonly registry = new Registry();
  readonly received = new Counter({ name: 'ciam_sync_events_received_total', help: 'Events committed to the inbox', labelNames: ['input'], registers: [this.registry] });
  readonly duplicates = new Counter({ name: 'ciam_sync_events_duplicate_total', help: 'Redelivered events dropped by the inbox', labelNames: ['input'], registers: [this.registry] });
  readonly deadOnIngest = new Counter({ name: 'ciam_sync_events_undecodable_total', help: 'Events dead-lettered on arrival (unparseable, unknown type, no subject)', labelNames: ['input'], registers: [this.registry] });
  readonly applied = new Counter({ name: 'ciam_sync_events_applied_total', help: 'Events the target now reflects', registers: [this.registry] });
  readonly skipped = new Counter({
    name: 'ciam_sync_events_skipped_total',
    help: 'Events not applied because the target already has them or something newer: reason older (superseded by a newer change) or duplicate (same content at the same version)',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly ignored = new Counter({
    name: 'ciam_sync_messages_ignored_total',
    help: 'Messages that are not changes of a user (Debezium tombstones, Auth0 login logs, Keycloak events on other resources), by reason',
    labelNames: ['input', 'reason'],
    registers: [this.registry],
  });
  readonly dead = new Counter({ name: 'ciam_sync_events_dead_total', help: 'Events refused by the target, out of attempts, or unusable (cannot be ordered or mapped)', registers: [this.registry] });
  readonly deletesHeld = new Gauge({ name: 'ciam_sync_deletes_held_users', help: 'Users whose delete waits for an operator (sync.maxDeletesPerMinute; release with sync --release-deletes)', registers: [this.registry] });
  readonly targetUp = new Gauge({ name: 'ciam_sync_target_up', help: '1 while the target answers, 0 while it fails every call (events wait, none is dead-lettered)', registers: [this.registry] });
  readonly targetDownSeconds = new Gauge({ name: 'ciam_sync_target_down_seconds', help: 'How long the target has failed every call (0 while it answers)', registers: [this.registry] });
  readonly retrying = new Gauge({ name: 'ciam_sync_users_retrying', help: 'Users waiting for a retry after a failed call', registers: [this.registry] });
  readonly upstreamPending = new Gauge({
    name: 'ciam_sync_upstream_pending_messages',
    help: 'Messages still waiting upstream of an input (NATS consumer pending + unacked, RabbitMQ queue depth + unacked)',
    labelNames: ['input'],
    registers: [this.registry],
  });
  readonly upstreamLagBytes = new Gauge({ name: 'ciam_sync_upstream_lag_bytes', help: 'WAL a PostgreSQL replication slot holds for the sync', labelNames: ['input'], registers: [this.registry] });
  readonly inputConnected = new Gauge({ name: 'ciam_sync_input_connected', help: '1 while an input is connected and consuming', labelNames: ['input'], registers: [this.registry] });
  readonly retries = new Counter({ name: 'ciam_sync_user_retries_total', help: 'Users put back for a retry', registers: [this.registry] });
  readonly throttled = new Counter({ name: 'ciam_sync_target_throttled_total', help: 'Target calls answered with push-back (429/503)', registers: [this.registry] });
  readonly webhookRejected = new Counter({ name: 'ciam_sync_webhook_rejected_total', help: 'Webhook requests refused or replayed', labelNames: ['reason'], registers: [this.registry] });
  readonly backlog = new Gauge({ name: 'ciam_sync_backlog_events', help: 'Events received and not yet applied', registers: [this.registry] });
  readonly backlogUsers = new Gauge({ name: 'ciam_sync_backlog_users', help: 'Users with unapplied events', registers: [this.registry] });
  readonly lag = new Gauge({ name: 'ciam_sync_lag_seconds', help: 'Age of the oldest unapplied change, from the change\'s own time', registers: [this.registry] });
  readonly inboxAge = new Gauge({ name: 'ciam_sync_inbox_age_seconds', help: 'Age of the oldest unapplied event since it entered the inbox', registers: [this.registry] });
  readonly rate = new Gauge({ name: 'ciam_sync_apply_rate', help: 'Events applied per second (last minute)', registers: [this.registry] });
  readonly applyLag = new Histogram({
    name: 'ciam_sync_apply_latency_seconds',
    help: 'From arrival in the inbox to applied at the target',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });
  readonly changeLag = new Histogram({
    name: 'ciam_sync_change_latency_seconds',
    help: "From the change's own time to applied at the target",
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
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
