/**
 * Change events in the layouts their producers publish (test/fixtures/events/, each file naming its
 * source), through decoding, the inbox and the apply loop into the cidaas emulator: what a user
 * would check afterwards is what the target holds and whether the password logs in.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CidaasEmulatorHandle } from '../../src/emulators/cidaas/index.ts';
import { SqliteInbox } from '../../src/ledger/inbox/sqlite.ts';
import { createMapper } from '../../src/mapping/index.ts';
import { createNormalisedMapper } from '../../src/stream/materialise.ts';
import { parseSyncConfig } from '../../src/stream/config.ts';
import { subjectResolver } from '../../src/stream/envelope/index.ts';
import { startSync, type SyncHandle } from '../../src/stream/sync.ts';
import { createTarget } from '../../src/targets/index.ts';
import { startEmulator, tempDir } from './harness.ts';
import { MemoryInput } from './memory-input.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/events');
const fixture = <T = Record<string, unknown>>(name: string): T => JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8')) as T;

const CONFIG = (url: string, ledger: string) => `version: 1
name: layouts
source: { kind: csv, path: users.csv }
mapping:
  fields:
    sourceId: id
    email: email
    emailVerified: { from: email_verified, transform: boolean }
    name.given: first_name
    name.family: last_name
  attributes: { rev: { from: rev, transform: number } }
  password: { from: pw_hash }
target: { kind: cidaas, baseUrl: ${url}, clientId: ciam-migrate, clientSecret: ciam-migrate-secret }
ledger: { kind: sqlite, path: ${JSON.stringify(ledger)} }
sync:
  inputs: [{ kind: file, path: unused.ndjson }]
  pollMs: 10
`;

interface Rig {
  handle: SyncHandle;
  inbox: SqliteInbox;
  input: (envelope: unknown) => MemoryInput;
  close(): Promise<void>;
}

async function rig(emu: CidaasEmulatorHandle, envelopes: Record<string, unknown>): Promise<Rig & { inputs: Record<string, MemoryInput> }> {
  const dir = tempDir('layouts');
  const file = path.join(dir, 'migration.yaml');
  const cfg = parseSyncConfig(CONFIG(emu.url, path.join(dir, 'ledger.sqlite')), file);
  const mapper = await createMapper(cfg.migration.mapping, { baseDir: dir });
  const normalisedMapper = await createNormalisedMapper(cfg.migration, dir);
  const ctx = { subjectOf: subjectResolver(cfg.migration.mapping, mapper) };
  const inputs = Object.fromEntries(Object.entries(envelopes).map(([name, env]) => [name, new MemoryInput(name, env, ctx)]));
  const inbox = new SqliteInbox(cfg.inboxPath);
  const target = createTarget(cfg.migration.target);
  const handle = await startSync({ migration: cfg.migration, sync: cfg.sync, inbox, target, mapper, normalisedMapper, inputs: Object.values(inputs) });
  return {
    handle,
    inbox,
    inputs,
    input: (e) => new MemoryInput('x', e, ctx),
    async close() {
      await handle.stop();
      await target.close();
      await inbox.close();
    },
  };
}

describe('published event layouts into the cidaas emulator', () => {
  let emu: CidaasEmulatorHandle;
  beforeAll(async () => {
    emu = await startEmulator();
  });
  afterAll(async () => {
    await emu.close();
  });
  const user = (sub: string) => emu.users().find((u) => u.sub === sub && u.userStatus !== 'DELETED');
  const id = (sub: string) => user(sub)?.identities[0];

  it('Debezium PostgreSQL, with and without the schema wrapper: snapshot, key-only update image, two changes in one transaction, key-only delete, tombstone', async () => {
    const f = fixture<{ schema: unknown; payloads: (Record<string, unknown> | null)[] }>('debezium-postgres.json');
    for (const wrapped of [true, false]) {
      emu.reset();
      const r = await rig(emu, { pg: { kind: 'debezium', passwordColumn: 'pw_hash' } });
      try {
        const bodies = f.payloads.map((p) => (p === null ? 'null' : JSON.stringify(wrapped ? { schema: f.schema, payload: p } : p)));
        await r.inputs.pg!.send(...bodies.map((body) => ({ body })));
        const d = await r.handle.untilDrained(20);
        expect(d.stats).toMatchObject({ received: 5, applied: 5, dead: 0, skipped: 0, backlog: 0 });
        expect(d.stats.ignored).toEqual([{ reason: 'Debezium tombstone (null value after a delete)', count: 1 }]);
        // Both changes of transaction 557 applied, in order: the second one's password.
        expect(id('1001')).toMatchObject({ given_name: 'Augusta Ada', family_name: 'Lovelace', email: 'ada@example.com' });
        expect(user('1001')?.customFields.rev).toBe(3);
        expect((await emu.login('ada@example.com', 'ada-new-pw')).ok).toBe(true);
        expect((await emu.login('ada@example.com', 'ada-old-pw')).ok).toBe(false);
        // Deleted by a before image holding only the key.
        expect(user('1002')).toBeUndefined();
      } finally {
        await r.close();
      }
    }
  });

  it('Debezium MySQL, with and without the schema wrapper: two changes in the same second ordered by binlog position, snapshot read, full-image delete', async () => {
    const f = fixture<{ payloads: (Record<string, unknown> | null)[] }>('debezium-mysql.json');
    for (const wrapped of [true, false]) {
      emu.reset();
      const r = await rig(emu, { my: { kind: 'debezium', passwordColumn: 'pw_hash' } });
      try {
        // Delivered newest first: the version (file, pos, row) puts them back in order, ts_ms would tie.
        const bodies = [...f.payloads].reverse().map((p) => (p === null ? 'null' : JSON.stringify(wrapped ? { schema: {}, payload: p } : p)));
        for (const body of bodies) await r.inputs.my!.send({ body });
        const d = await r.handle.untilDrained(20);
        expect(d.stats).toMatchObject({ received: 5, dead: 0, backlog: 0 });
        expect(id('2001')).toMatchObject({ email: 'grace.hopper@example.com', given_name: 'Grace' });
        expect(user('2001')?.customFields.rev).toBe(3);
        expect((await emu.login('grace.hopper@example.com', 'ada-new-pw')).ok).toBe(true);
        expect(user('2002')).toBeUndefined();
      } finally {
        await r.close();
      }
    }
  });

  it('CloudEvents structured, binary (percent-encoded headers) and batch (application/cloudevents-batch+json): partial changes merge, ties keep arrival order, a delete needs only the key', async () => {
    emu.reset();
    const f = fixture<{ structured: unknown; binary: { headers: Record<string, string>; body: unknown }; batch: unknown[] }>('cloudevents.json');
    const r = await rig(emu, { ce: { kind: 'cloudevents' } });
    try {
      await r.inputs.ce!.send({ body: JSON.stringify(f.structured), headers: { 'content-type': 'application/cloudevents+json' } });
      await r.inputs.ce!.send({ body: JSON.stringify(f.binary.body), headers: f.binary.headers });
      await r.handle.untilDrained(20);
      // The binary event changed only the given name: the family name and the rest stay.
      expect(id('u-3001')).toMatchObject({ given_name: 'Amalie Emmy', family_name: 'Noether', email: 'emmy@example.com', email_verified: true });
      expect(user('u-3001')?.customFields.rev).toBe(2);
      const batch = f.batch;
      await r.inputs.ce!.send({ body: JSON.stringify(batch), headers: { 'content-type': 'application/cloudevents-batch+json' } });
      const d = await r.handle.untilDrained(20);
      expect(d.stats).toMatchObject({ received: 6, applied: 6, dead: 0, skipped: 0, backlog: 0 });
      // Two changes at the same time, then one without a time: all three, in arrival order.
      expect(id('u-3002')).toMatchObject({ given_name: 'Lise', family_name: 'Meitner-Hahn', email: 'lise@example.com', email_verified: true });
      expect(user('u-3002')?.customFields.rev).toBe(2);
      expect(user('u-3001')).toBeUndefined();
    } finally {
      await r.close();
    }
  });

  it("Debezium's CloudEvents converter: iodebezium* attributes order and type the row change; a key-only delete", async () => {
    emu.reset();
    const f = fixture<{ events: unknown[] }>('debezium-cloudevents.json');
    const r = await rig(emu, { ce: { kind: 'cloudevents' } });
    try {
      await r.inputs.ce!.send({ body: JSON.stringify(f.events[0]) });
      await r.handle.untilDrained(20);
      expect(id('4001')).toMatchObject({ given_name: 'Rosalind', family_name: 'Franklin' });
      await r.inputs.ce!.send({ body: JSON.stringify(f.events[1]) });
      const d = await r.handle.untilDrained(20);
      expect(d.stats).toMatchObject({ received: 2, applied: 2, dead: 0 });
      expect(user('4001')).toBeUndefined();
    } finally {
      await r.close();
    }
  });

  it('Keycloak admin events: the id from resourcePath, a partial UPDATE merges, a password reset is a dead letter naming why, other resources are ignored and counted', async () => {
    emu.reset();
    const f = fixture<{ events: unknown[] }>('keycloak-admin-events.json');
    const r = await rig(emu, { kc: { kind: 'keycloak' } });
    try {
      await r.inputs.kc!.send(...f.events.map((e) => ({ body: JSON.stringify(e) })));
      const d = await r.handle.untilDrained(20);
      expect(d.stats).toMatchObject({ received: 5, applied: 4, dead: 1, backlog: 0 });
      expect(d.stats.deadByReason[0]!.reason).toMatch(/^Keycloak password reset: admin events carry no password hash/);
      expect(d.stats.ignored).toEqual([{ reason: 'Keycloak admin event on CLIENT (not a user)', count: 1 }]);
      expect(id('8f14e45f-ceea-467f-a8c2-000000005001')).toMatchObject({ given_name: 'Marie', family_name: 'Sklodowska-Curie', email: 'marie@example.com', email_verified: true, username: 'marie' });
      expect(user('8f14e45f-ceea-467f-a8c2-000000005002')).toBeUndefined();
    } finally {
      await r.close();
    }
  });

  it('Auth0 log stream batch: a signup creates, a deletion deletes, a password change is a dead letter naming why, logins are ignored and counted', async () => {
    emu.reset();
    const f = fixture<{ body: unknown[] }>('auth0-log-stream.json');
    const r = await rig(emu, { a0: { kind: 'auth0' } });
    try {
      await r.inputs.a0!.send({ body: JSON.stringify(f.body) });
      const d = await r.handle.untilDrained(20);
      expect(d.stats).toMatchObject({ received: 3, dead: 1, backlog: 0 });
      expect(d.stats.deadByReason[0]!.reason).toMatch(/^Auth0 password change: log events carry no password hash/);
      expect(d.stats.ignored).toEqual([{ reason: 'Auth0 log type s (not a change of a user)', count: 1 }]);
      expect(id('auth0|6182002f34f4dd006b05b5c7')).toMatchObject({ email: 'dorothy@example.com' });
    } finally {
      await r.close();
    }
  });

  it("Maxwell's Daemon rows: one event per row of a transaction (shared xid), in row order; other tables ignored", async () => {
    emu.reset();
    const f = fixture<{ rows: unknown[] }>('maxwell.json');
    const r = await rig(emu, { mx: { kind: 'maxwell', table: 'legacy.users', passwordColumn: 'pw_hash' } });
    try {
      await r.inputs.mx!.send(...[...f.rows].reverse().map((row) => ({ body: JSON.stringify(row) })));
      const d = await r.handle.untilDrained(20);
      expect(d.stats).toMatchObject({ received: 5, dead: 0, backlog: 0 });
      expect(d.stats.ignored).toEqual([{ reason: 'Maxwell row of another table (legacy.audit)', count: 1 }]);
      expect(id('5001')).toMatchObject({ family_name: 'Kiesler' });
      expect(user('5001')?.customFields.rev).toBe(3);
      expect((await emu.login('hedy@example.com', 'ada-new-pw')).ok).toBe(true);
      expect(user('5002')).toBeUndefined();
    } finally {
      await r.close();
    }
  });
});
