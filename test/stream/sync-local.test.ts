import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { hash } from '@node-rs/bcrypt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CidaasEmulatorHandle } from '../../src/emulators/cidaas/index.ts';
import { sign } from '../../src/stream/inputs/webhook/signature.ts';
import type { WebhookInput } from '../../src/stream/inputs/webhook/webhook.ts';
import { emulatorState, runSyncInProcess, startEmulator, tempDir, writeConfig } from './harness.ts';

const SECRET = `whsec_${Buffer.from('sync-test-secret-0123456789').toString('base64')}`;

function ce(id: string, type: string, subject: string, seq: number, row?: Record<string, unknown>) {
  return { specversion: '1.0', id, source: 'urn:legacy', type, subject, sequence: String(seq), time: new Date().toISOString(), ...(row ? { data: row } : {}) };
}
const row = (id: string, rev: number, pw: string, email = `${id}.r${rev}@example.com`) => ({ id, email, email_verified: 'true', first_name: `G${rev}`, rev, pw_hash: pw });

describe('sync from file replay and webhook into the cidaas emulator', () => {
  let emu: CidaasEmulatorHandle;
  let pw1: string;
  let pw2: string;
  beforeAll(async () => {
    emu = await startEmulator();
    [pw1, pw2] = await Promise.all([hash('old-secret-1', 4), hash('new-secret-2', 4)]);
  });
  afterAll(async () => {
    await emu.close();
  });

  it('applies in version order with duplicates, late events, deletes, password and email changes; bad events are dead letters', async () => {
    const dir = tempDir('sync-file');
    const lines: unknown[] = [];
    // u1: created, password changed, email changed; delivered out of order and twice.
    lines.push(ce('u1-3', 'user.email_changed', 'u1', 3, row('u1', 3, pw2, 'u1.new@example.com')));
    lines.push(ce('u1-1', 'user.created', 'u1', 1, row('u1', 1, pw1, 'u1.old@example.com')));
    lines.push(ce('u1-2', 'user.password_changed', 'u1', 2, row('u1', 2, pw2, 'u1.old@example.com')));
    lines.push(ce('u1-1', 'user.created', 'u1', 1, row('u1', 1, pw1, 'u1.old@example.com')));
    // u2: created then deleted; a late update (lower version) arrives after the delete.
    lines.push(ce('u2-1', 'user.created', 'u2', 1, row('u2', 1, pw1)));
    lines.push(ce('u2-5', 'user.deleted', 'u2', 5));
    lines.push(ce('u2-4', 'user.updated', 'u2', 4, row('u2', 4, pw1)));
    // Bad events: unparseable, unknown type, no subject; then a good event for u3 after them.
    lines.push('{"specversion":"1.0",');
    lines.push(ce('x-1', 'user.exploded', 'u3', 1, row('u3', 1, pw1)));
    lines.push({ ...ce('x-2', 'user.updated', 'u3', 2, row('u3', 2, pw1)), subject: undefined, data: { email: 'x@example.com' } });
    lines.push(ce('u3-3', 'user.created', 'u3', 3, row('u3', 3, pw1)));
    // Many users, a burst each (coalesced into one upsert per user).
    for (let u = 0; u < 300; u++) for (let v = 1; v <= 5; v++) lines.push(ce(`b${u}-${v}`, v === 1 ? 'user.created' : 'user.updated', `b${u}`, v, row(`b${u}`, v, pw1)));
    const ndjson = path.join(dir, 'events.ndjson');
    writeFileSync(ndjson, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n'));
    const file = writeConfig(
      dir,
      emu.url,
      `  envelope: {}
  inputs:
    - { kind: file, path: events.ndjson, envelope: { kind: cloudevents, data: mapped } }
  http: { port: 0 }
`.replace('  envelope: {}\n', ''),
    );
    const run = await runSyncInProcess(file);
    try {
      await run.handle.untilDrained(50);
      const s = await run.handle.stats();
      expect(s).toMatchObject({ backlog: 0, lagMs: 0, dead: 3 });
      expect(s.deadByReason.map((r) => r.reason).sort()).toEqual([
        'missing subject (the legacy user id)',
        'unknown event type: user.exploded',
        'unparseable: body is not JSON',
      ]);
      const state = emulatorState(emu);
      expect(state.get('u1')).toMatchObject({ email: 'u1.new@example.com', rev: 3 });
      expect(state.has('u2')).toBe(false);
      expect(state.get('u3')).toMatchObject({ rev: 3 });
      for (let u = 0; u < 300; u++) expect(state.get(`b${u}`)?.rev).toBe(5);
      expect((await emu.login('u1.new@example.com', 'new-secret-2')).ok).toBe(true);
      expect((await emu.login('u1.new@example.com', 'old-secret-1')).ok).toBe(false);
      // Health, readiness and metrics.
      const url = run.handle.healthUrl!;
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toMatch(/ciam_sync_events_applied_total \d+/);
      expect(metrics).toMatch(/ciam_sync_lag_seconds 0/);
      // Coalescing: 300 users × 5 events went out in far fewer bulk calls than events.
      expect(emu.stats().requests).toBeLessThan(300);
    } finally {
      await run.close();
    }
  }, 60_000);

  it('webhook: signed requests are stored before 2xx; unsigned, stale, tampered and replayed requests change nothing', async () => {
    const dir = tempDir('sync-hook');
    const file = writeConfig(
      dir,
      emu.url,
      `  inputs:
    - kind: webhook
      port: 0
      secret: \${HOOK_SECRET}
      envelope: { kind: cloudevents, data: mapped }
`,
    );
    const run = await runSyncInProcess(file, { ...process.env, HOOK_SECRET: SECRET });
    try {
      const hook = run.handle.inputs[0] as WebhookInput;
      const post = (body: string, headers: Record<string, string>) =>
        fetch(hook.url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
      const signed = (id: string, body: string, ts = Math.floor(Date.now() / 1000)) => ({
        'webhook-id': id,
        'webhook-timestamp': String(ts),
        'webhook-signature': sign(SECRET, id, ts, body),
      });
      const body = JSON.stringify(ce('w1', 'user.created', 'w1', 1, row('w1', 1, pw1)));
      expect((await post(body, {})).status).toBe(401);
      const old = Math.floor(Date.now() / 1000) - 3600;
      expect((await post(body, signed('m0', body, old))).status).toBe(401);
      expect((await post(body.replace('G1', 'G9'), signed('m1', body))).status).toBe(401);
      const first = await post(body, signed('m1', body));
      expect(first.status).toBe(202);
      // Once answered, the event is in the inbox (committed before the answer).
      expect((await run.inbox.stats()).received).toBe(1);
      const replay = await post(body, signed('m1', body));
      expect(replay.status).toBe(200);
      expect(await replay.json()).toEqual({ status: 'duplicate' });
      // A binary-mode CloudEvent over the webhook.
      const data = JSON.stringify(row('w1', 2, pw1));
      const bin = await post(data, { ...signed('m2', data), 'ce-specversion': '1.0', 'ce-id': 'w1-2', 'ce-source': 'urn:legacy', 'ce-type': 'user.updated', 'ce-subject': 'w1', 'ce-sequence': '2' });
      expect(bin.status).toBe(202);
      await run.handle.untilDrained(50);
      expect(emulatorState(emu).get('w1')).toMatchObject({ rev: 2 });
      expect(await (await fetch(`${hook.url.replace('/events', '')}/events`, { method: 'GET' })).status).toBe(404);
      const s = await run.inbox.stats();
      expect(s).toMatchObject({ received: 2, applied: 2, dead: 0 });
    } finally {
      await run.close();
    }
  }, 60_000);
});
