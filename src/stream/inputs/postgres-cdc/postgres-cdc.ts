import pg from 'pg';
import { LogicalReplicationService, PgoutputPlugin } from 'pg-logical-replication';
import type { Message } from 'pg-logical-replication/dist/output-plugins/pgoutput/pgoutput.types.js';
import type { IncomingEvent } from '../../../ledger/inbox/inbox.ts';
import { decodePgTransaction, splitTable, type PgoutputLayout, type PgTransaction } from '../../envelope/pgoutput.ts';
import { redactUrl, type DeliverySink, type EventInput, type UpstreamBacklog } from '../../input.ts';

export interface PostgresCdcOptions extends PgoutputLayout {
  url: string;
  publication: string;
  createPublication: boolean;
  /** Drop the slot once a `--until-drained` run is done (the end of a migration). */
  dropSlotOnDrain: boolean;
  onError?: (err: unknown) => void;
}

export class WalLevelError extends Error {}

/** The pump nacked a transaction: the stream restarts at the slot's confirmed LSN. */
class NotStored extends Error {}

const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;

/**
 * PostgreSQL logical replication (pgoutput) of a users table and/or a transactional outbox. A
 * transaction is one delivery, handed to the pump when its `commit` arrives; the slot is
 * acknowledged only once the pump acked it (its events are in the inbox), and the next message is
 * read only then, so after a crash the slot replays from the last acknowledged commit and the inbox
 * drops what it already has. How changes become events: envelope/pgoutput.ts.
 */
export class PostgresCdcInput implements EventInput<PgTransaction> {
  readonly kind = 'postgres-cdc';
  readonly name: string;
  readonly decoder: (tx: PgTransaction) => IncomingEvent[];
  private service: LogicalReplicationService | undefined;
  private live = false;
  private stopped = false;
  private pendingTx = false;
  private lastAck: string | undefined;
  private tx: Message[] | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly o: PostgresCdcOptions) {
    this.name = o.name;
    this.decoder = (tx) => decodePgTransaction(tx, o);
  }

  get endpoint(): string {
    return `${redactUrl(this.o.url)} (slot ${this.o.slot})`;
  }

  private async admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
    const c = new pg.Client({ connectionString: this.o.url });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end().catch(() => undefined);
    }
  }

  async start(sink: DeliverySink<PgTransaction>): Promise<void> {
    const o = this.o;
    await this.admin(async (c) => {
      const wal = (await c.query<{ wal_level: string }>('SHOW wal_level')).rows[0]?.wal_level;
      if (wal !== 'logical') {
        throw new WalLevelError(
          `PostgreSQL wal_level is '${wal ?? '?'}', logical replication needs 'logical': ALTER SYSTEM SET wal_level = logical; then restart PostgreSQL`,
        );
      }
      const tables = [o.usersTable, o.outboxTable].filter((t): t is string => t !== undefined);
      const pub = await c.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [o.publication]);
      if (pub.rowCount === 0) {
        if (!o.createPublication) throw new Error(`publication ${o.publication} does not exist`);
        const list = tables.map((t) => splitTable(t).map(ident).join('.')).join(', ');
        await c.query(`CREATE PUBLICATION ${ident(o.publication)} FOR TABLE ${list}`);
      }
      const slot = await c.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [o.slot]);
      if (slot.rowCount === 0) await c.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [o.slot]);
    });
    const plugin = new PgoutputPlugin({ protoVersion: 1, publicationNames: [o.publication] });
    // subscribe() resolves only when the stream ends. Every (re)start uses a fresh service: the
    // library would resume from the last LSN it *received*, and a logical slot skips what lies
    // before a requested start point — the transactions not yet committed to the inbox. A fresh
    // service starts at 0/0, i.e. at the slot's confirmed LSN.
    // The first subscription must start streaming: a slot held by another process or a role without
    // REPLICATION fails the start here instead of retrying for ever.
    let first: { resolve: () => void; reject: (e: unknown) => void } | undefined;
    const started = new Promise<void>((resolve, reject) => (first = { resolve, reject }));
    const run = async () => {
      while (!this.stopped) {
        const service = this.newService(sink);
        service.once('start', () => {
          this.live = true;
          first?.resolve();
          first = undefined;
        });
        try {
          await service.subscribe(plugin, o.slot);
        } catch (err) {
          if (first) {
            first.reject(err);
            first = undefined;
            this.stopped = true;
            await service.stop().catch(() => undefined);
            return;
          }
          if (!this.stopped) o.onError?.(err);
        }
        this.live = false;
        this.tx = undefined;
        this.pendingTx = false;
        await service.stop().catch(() => undefined);
        if (!this.stopped) await new Promise((r) => setTimeout(r, 1000));
      }
    };
    this.running = run();
    await started;
  }

  private newService(sink: DeliverySink<PgTransaction>): LogicalReplicationService {
    const service = new LogicalReplicationService(
      { connectionString: this.o.url },
      { acknowledge: { auto: false, timeoutSeconds: 0 }, flowControl: { enabled: true } },
    );
    this.service = service;
    service.on('data', async (lsn: string, msg: Message) => {
      try {
        await this.onMessage(lsn, msg, sink);
      } catch (err) {
        // Nothing after an unstored transaction may be acknowledged: drop the stream and restart
        // from the slot's confirmed LSN. (Why it was not stored, the pump has reported.)
        if (!(err instanceof NotStored)) this.o.onError?.(err);
        this.tx = undefined;
        await service.stop().catch(() => undefined);
      }
    });
    // With nothing in flight, acknowledging a keepalive's position lets the slot's confirmed LSN
    // follow the server while the published tables are quiet (so WAL is released and drain can tell).
    service.on('heartbeat', async (lsn: string) => {
      if (!this.pendingTx && this.service === service) await service.acknowledge(lsn).catch(() => undefined);
    });
    service.on('error', (err: Error) => {
      this.live = false;
      this.o.onError?.(err);
    });
    return service;
  }

  private async onMessage(lsn: string, msg: Message, sink: DeliverySink<PgTransaction>): Promise<void> {
    switch (msg.tag) {
      case 'begin':
        this.tx = [];
        this.pendingTx = true;
        return;
      case 'insert':
      case 'update':
      case 'delete':
        this.tx?.push(msg);
        return;
      case 'commit': {
        const changes = this.tx ?? [];
        this.tx = undefined;
        const raw: PgTransaction = { commitLsn: msg.commitLsn ?? lsn, commitTime: msg.commitTime, changes };
        const stored = await new Promise<boolean>((resolve) => sink.deliver({ raw, ack: () => resolve(true), nack: () => resolve(false) }));
        if (!stored) throw new NotStored();
        await this.service?.acknowledge(msg.commitEndLsn ?? lsn);
        this.lastAck = msg.commitEndLsn ?? lsn;
        this.pendingTx = false;
        return;
      }
      default:
        return;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.live = false;
    const started = Date.now();
    while (this.pendingTx && Date.now() - started < 5000) await new Promise((r) => setTimeout(r, 10));
    await this.service?.stop().catch(() => undefined);
    await Promise.race([this.running, new Promise((r) => setTimeout(r, 2000))]);
  }

  ready(): boolean {
    return this.live;
  }

  /** WAL the slot still holds for us, in bytes (what a stopped or slow sync leaves on the legacy database). */
  async upstream(): Promise<UpstreamBacklog | undefined> {
    try {
      const r = await this.admin((c) =>
        c.query<{ lag: string | null }>(`SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::text AS lag FROM pg_replication_slots WHERE slot_name = $1`, [this.o.slot]),
      );
      const lag = r.rows[0]?.lag;
      return lag === null || lag === undefined ? undefined : { lagBytes: Number(lag) };
    } catch {
      return undefined;
    }
  }

  private drainMark: string | undefined;

  /**
   * Drained when the slot has confirmed the WAL position the server had at the previous check (WAL
   * of other databases keeps moving, so "now" would be a moving target). Each check pings the server
   * so its keepalive lets an idle slot catch up.
   */
  async drained(): Promise<boolean> {
    if (this.pendingTx || !this.live) return false;
    try {
      await this.service?.acknowledge(this.lastAck ?? '0/0', true).catch(() => undefined);
      const r = await this.admin((c) =>
        c.query<{ confirmed: string | null; current: string; ok: boolean | null }>(
          `SELECT confirmed_flush_lsn::text AS confirmed, pg_current_wal_lsn()::text AS current,
                  confirmed_flush_lsn >= $2::pg_lsn AS ok
           FROM pg_replication_slots WHERE slot_name = $1`,
          [this.o.slot, this.drainMark ?? '0/0'],
        ),
      );
      const row = r.rows[0];
      const ok = this.drainMark !== undefined && row?.ok === true && !this.pendingTx;
      this.drainMark = row?.current;
      return ok;
    } catch {
      return false;
    }
  }

  /** For the end of a migration (`dropSlotOnDrain`): a forgotten slot makes the legacy database keep WAL for ever. */
  async afterDrained(): Promise<void> {
    if (this.o.dropSlotOnDrain) await this.dropSlot();
  }

  async dropSlot(): Promise<void> {
    await this.admin((c) => c.query('SELECT pg_drop_replication_slot($1) FROM pg_replication_slots WHERE slot_name = $1', [this.o.slot]));
  }

  get acknowledgedLsn(): string | undefined {
    return this.lastAck;
  }
}
