import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCidaasEmulator, type CidaasEmulatorInput } from '../../src/emulators/cidaas/index.ts';
import { startCloudentityEmulator, type CloudentityEmulatorInput } from '../../src/emulators/cloudentity/index.ts';
import type { EmulatorHandle } from '../../src/emulators/shared/types.ts';
import { dump, entry } from './ce-fixtures.ts';
import { call, cidaasToken, cloudentityToken, expectCeError, expectCidaasError, form } from './http.ts';

const started: EmulatorHandle[] = [];
async function cidaas(options: CidaasEmulatorInput) {
  const e = await startCidaasEmulator(options);
  started.push(e);
  return e;
}
async function cloudentity(options: CloudentityEmulatorInput) {
  const e = await startCloudentityEmulator(options);
  started.push(e);
  return e;
}
afterAll(async () => {
  await Promise.all(started.map((e) => e.close()));
});

const cidaasTokenCall = (url: string) => call(`${url}/token-srv/token`, { json: { grant_type: 'client_credentials', client_id: 'ciam-migrate', client_secret: 'ciam-migrate-secret' } });
const ceTokenCall = (url: string) => call(`${url}/default/system/oauth2/token`, { method: 'POST', ...form({ grant_type: 'client_credentials', client_id: 'ciam-migrate', client_secret: 'ciam-migrate-secret' }) });

describe('concurrency limit', () => {
  it('cidaas: 5 parallel requests with max 2 in flight → exactly 3 × 429 without Retry-After', async () => {
    const emu = await cidaas({ faults: { maxConcurrency: 2, latencyMs: 300 } });
    const results = await Promise.all(Array.from({ length: 5 }, () => cidaasTokenCall(emu.url)));
    const limited = results.filter((r) => r.status === 429);
    expect(limited).toHaveLength(3);
    for (const r of limited) {
      expectCidaasError(r, 429);
      expect(r.headers.get('retry-after')).toBeNull();
    }
    expect(emu.stats()).toMatchObject({ requests: 5, rateLimited: 3, byStatus: { '200': 2, '429': 3 } });
    expect(emu.stats().maxConcurrencySeen).toBeGreaterThanOrEqual(3);
  });

  it('cloudentity: the excess gets 429 with Retry-After', async () => {
    const emu = await cloudentity({ faults: { maxConcurrency: 1, latencyMs: 300 } });
    const results = await Promise.all(Array.from({ length: 3 }, () => ceTokenCall(emu.url)));
    const limited = results.filter((r) => r.status === 429);
    expect(limited).toHaveLength(2);
    for (const r of limited) {
      expectCeError(r, 429);
      expect(r.headers.get('retry-after')).toBe('1');
    }
  });
});

describe('capacity (a backend that queues)', () => {
  it('serves one request at a time: each of 4 parallel requests waits for those before it, and all succeed', async () => {
    const emu = await cidaas({ faults: { capacity: 1, latencyMs: 100 } });
    const t0 = performance.now();
    const took = await Promise.all(Array.from({ length: 4 }, async () => {
      const r = await cidaasTokenCall(emu.url);
      expect(r.status).toBe(200);
      return performance.now() - t0;
    }));
    // Latency starts at a request's turn: the k-th answer cannot come before k × 100 ms.
    expect([...took].sort((a, b) => a - b).map((t, k) => t >= (k + 1) * 100 - 5)).toEqual([true, true, true, true]);
    expect(emu.stats()).toMatchObject({ requests: 4, rateLimited: 0 });
  });
});

describe('rate limit (token bucket, frozen clock)', () => {
  it('cidaas: 2/s admits exactly 2 of 10, then 2 more a second later; no Retry-After', async () => {
    let now = 1_000_000;
    const emu = await cidaas({ clock: () => now, faults: { rateLimit: 2 } });
    const first: number[] = [];
    for (let i = 0; i < 10; i++) first.push((await cidaasTokenCall(emu.url)).status);
    expect(first).toEqual([200, 200, 429, 429, 429, 429, 429, 429, 429, 429]);
    const r = await cidaasTokenCall(emu.url);
    expect(r.headers.get('retry-after')).toBeNull();
    now += 1000;
    expect([(await cidaasTokenCall(emu.url)).status, (await cidaasTokenCall(emu.url)).status, (await cidaasTokenCall(emu.url)).status]).toEqual([200, 200, 429]);
    expect(emu.stats().rateLimited).toBe(10);
  });

  it('cloudentity: Retry-After says when the next token is due', async () => {
    let now = 1_000_000;
    const emu = await cloudentity({ clock: () => now, faults: { rateLimit: 1, burst: 3 } });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await ceTokenCall(emu.url)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await ceTokenCall(emu.url);
    expect(limited.headers.get('retry-after')).toBe('1');
    now += 500;
    expect((await ceTokenCall(emu.url)).status).toBe(429);
    now += 500;
    expect((await ceTokenCall(emu.url)).status).toBe(200);
  });
});

describe('seeded faults', () => {
  async function statuses(seed: number, faultRate: number): Promise<number[]> {
    const emu = await cidaas({ faults: { seed, faultRate } });
    const out: number[] = [];
    for (let i = 0; i < 40; i++) out.push((await cidaasTokenCall(emu.url)).status);
    return out;
  }

  it('the same seed gives the same 5xx sequence; another seed a different one', async () => {
    const a = await statuses(42, 0.3);
    const b = await statuses(42, 0.3);
    const c = await statuses(7, 0.3);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    const faults = a.filter((s) => s >= 500);
    expect(faults.length).toBeGreaterThan(3);
    expect(faults.length).toBeLessThan(25);
    for (const s of faults) expect([500, 502, 503]).toContain(s);
  });

  it('faultRate 1 answers every API request with a 5xx in the target error body; inspection routes are spared', async () => {
    const emu = await cloudentity({ faults: { faultRate: 1, faultStatuses: [503] } });
    expectCeError(await ceTokenCall(emu.url), 503);
    expect((await call(`${emu.url}/_emulator/state`)).status).toBe(200);
    expect(emu.stats()).toMatchObject({ requests: 1, injectedFaults: 1, byStatus: { '503': 1 } });
  });

  it('dropRate 1 destroys the connection without an answer', async () => {
    const emu = await cidaas({ faults: { dropRate: 1 } });
    await expect(cidaasTokenCall(emu.url)).rejects.toThrow();
    expect(emu.stats().dropped).toBe(1);
  });

  it('latency, jitter and very slow responses delay the answer', async () => {
    const emu = await cidaas({ faults: { latencyMs: 100, jitterMs: 50 } });
    let t0 = performance.now();
    expect((await cidaasTokenCall(emu.url)).status).toBe(200);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(95);
    const slow = await cidaas({ faults: { slowRate: 1, slowMs: 400 } });
    t0 = performance.now();
    expect((await cidaasTokenCall(slow.url)).status).toBe(200);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(395);
  });
});

describe('per-user failures (sticky per user id)', () => {
  it('cidaas: the same users fail on every attempt, the others are created', async () => {
    const emu = await cidaas({ faults: { seed: 3, userFailureRate: 0.3 } });
    const token = await cidaasToken(emu.url);
    const users = Array.from({ length: 50 }, (_, i) => ({ sub: `s-${i}`, email: `s${i}@example.com` }));
    const send = async () => (await call(`${emu.url}/users-srv/user/bulk`, { token, json: users })).body.data.process_states.map((s: { state: string }) => s.state);
    const first = await send();
    const failed = first.filter((s: string) => s === 'FAILED').length;
    expect(failed).toBeGreaterThan(5);
    expect(failed).toBeLessThan(30);
    const second: string[] = await send();
    expect(second.map((s) => s === 'FAILED')).toEqual(first.map((s: string) => s === 'FAILED'));
    expect(emu.users()).toHaveLength(50 - failed);
  });

  it('cloudentity: a batch with a poisoned user is rejected whole (422); the others pass alone', async () => {
    const emu = await cloudentity({ faults: { seed: 3, userFailureRate: 0.3 } });
    const token = await cloudentityToken(emu.url);
    const put = (d: unknown) => call(`${emu.url}/api/identity/default/configuration`, { method: 'PUT', token, json: d });
    const entries = Array.from({ length: 20 }, (_, i) => entry(i));
    expectCeError(await put(dump(...entries)), 422);
    const outcomes = await Promise.all(entries.map(async (e) => (await put(e)).status));
    expect(outcomes.filter((s) => s === 422).length).toBeGreaterThan(0);
    expect(outcomes.filter((s) => s === 204).length).toBeGreaterThan(0);
    expect(emu.dump().users).toHaveLength(outcomes.filter((s) => s === 204).length);
  });
});

describe('inspection', () => {
  it('state, stats and reset', async () => {
    const emu = await cidaas({});
    const token = await cidaasToken(emu.url);
    await call(`${emu.url}/users-srv/user/bulk`, { token, json: [{ sub: 'a', email: 'a@example.com', password_hash_info: { algorithmTypeId: 'BCRYPT_10', passwordHash: '$2b$10$x' } }] });
    const state = await call(`${emu.url}/_emulator/state`);
    expect(state.body.users[0]).toMatchObject({ sub: 'a', identities: [{ email: 'a@example.com' }], password_hash_info: { algorithmTypeId: 'BCRYPT_10' } });
    const stats = await call(`${emu.url}/_emulator/stats`);
    expect(stats.body).toMatchObject({ requests: 2, usersCreated: 1, byStatus: { '200': 2 } });
    expect((await call(`${emu.url}/_emulator/reset`, { method: 'POST' })).status).toBe(204);
    expect((await call(`${emu.url}/_emulator/state`)).body.users).toEqual([]);
    expect(emu.stats()).toMatchObject({ requests: 0, usersCreated: 0 });
    // Tokens survive a reset so a running client keeps working.
    expect((await call(`${emu.url}/user-srv/users/a`, { token })).status).toBe(404);
  });

  it('--record writes every request body to its own numbered file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'emu-record-'));
    try {
      const emu = await cloudentity({ record: dir });
      const token = await cloudentityToken(emu.url);
      await call(`${emu.url}/api/identity/default/configuration`, { method: 'PUT', token, json: dump(entry(1)) });
      await emu.close();
      const files = readdirSync(dir).sort();
      expect(files).toEqual(['000001-POST-default_system_oauth2_token.body', '000002-PUT-api_identity_default_configuration.body']);
      expect(JSON.parse(readFileSync(join(dir, files[1] as string), 'utf8')).users[0].id).toBe('u-1');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('unknown routes answer 404 and wrong methods 405 in the target error body', async () => {
    const c = await cidaas({});
    expectCidaasError(await call(`${c.url}/nope`), 404);
    expectCidaasError(await call(`${c.url}/users-srv/user/bulk`), 405);
    const ce = await cloudentity({});
    expectCeError(await call(`${ce.url}/api/identity/default/configuration`, { method: 'POST', json: {} }), 405);
  });
});
