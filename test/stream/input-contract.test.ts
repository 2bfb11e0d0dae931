/**
 * The input contract, run on every event input against its real upstream (input-rigs.ts) with the
 * pump between it and a test inbox: what an input acks is stored, what it did not ack comes again,
 * and `stop` ends cleanly. Service-backed rigs skip outside CI with a message naming the service
 * (in CI a missing service fails, see test/helpers/services.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AppendResult, IncomingEvent } from '../../src/ledger/inbox/inbox.ts';
import type { AnyEventInput, InputSink } from '../../src/stream/input.ts';
import { Pump } from '../../src/stream/pump.ts';
import { serviceAvailable } from '../helpers/services.ts';
import { RIGS, type InputRig } from './input-rigs.ts';

const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A test inbox: what was committed, by event id; `fail` decides per commit whether it throws instead. */
class TestInbox implements InputSink {
  readonly stored = new Set<string>();
  readonly seen = new Set<string>();
  commits = 0;
  constructor(private readonly fail: (ids: string[]) => boolean | 'hang' = () => false) {}
  ingest(events: IncomingEvent[]): Promise<AppendResult> {
    const got = events.flatMap((e) => (e.ok ? [e.event.id] : []));
    for (const id of got) this.seen.add(id);
    const verdict = this.fail(got);
    if (verdict === 'hang') return new Promise(() => undefined);
    if (verdict) return Promise.reject(new Error('commit failed (test)'));
    this.commits += 1;
    let duplicates = 0;
    for (const id of got) {
      if (this.stored.has(id)) duplicates += 1;
      this.stored.add(id);
    }
    return Promise.resolve({ accepted: got.length - duplicates, duplicates, dead: events.length - got.length, ignored: 0 });
  }
}

async function until(what: string, ok: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** An input started with a pump into `inbox`. */
async function run(rig: InputRig, inbox: InputSink, errors: unknown[] = []): Promise<AnyEventInput> {
  const input = rig.input();
  await input.start(new Pump(input, inbox, (err) => errors.push(err)));
  return input;
}

const usable = await Promise.all(
  RIGS.map(async (kind) => {
    if (kind.service && !(await serviceAvailable(kind.service))) return false;
    const why = (await kind.usable?.()) ?? true;
    if (why === true) return true;
    if (process.env.CI === 'true') throw new Error(why);
    console.warn(`skipping: ${why}`);
    return false;
  }),
);

describe.each(RIGS.map((kind, i) => ({ kind, ok: usable[i]! })))('input contract: $kind.name', ({ kind, ok }) => {
  let rig: InputRig | undefined;
  const running: AnyEventInput[] = [];
  const started = async (inbox: InputSink, errors?: unknown[]) => {
    const input = await run(rig!, inbox, errors);
    running.push(input);
    return input;
  };
  afterEach(async () => {
    for (const i of running.splice(0)) await i.stop().catch(() => undefined);
    await rig?.close();
    rig = undefined;
  });

  it.skipIf(!ok)('acks only after the commit: messages whose commit failed come again, and are stored', async () => {
    rig = await kind.make();
    const sent = ids('fail', 6);
    await rig.send(sent);
    // The first commit that holds an event fails; the input must not have let its message go.
    const failedOnce = new Set<string>();
    const inbox = new TestInbox((got) => {
      const fresh = got.some((id) => !failedOnce.has(id));
      for (const id of got) failedOnce.add(id);
      return fresh;
    });
    const errors: unknown[] = [];
    await started(inbox, errors);
    await until('every message stored after its failed commit', () => sent.every((id) => inbox.stored.has(id)));
    expect([...failedOnce].sort()).toEqual([...sent].sort());
    // The failures were reported, not swallowed.
    expect(errors.length).toBeGreaterThan(0);
  }, 60_000);

  it.skipIf(!ok)('redelivers after a close without ack: what a stopped input held uncommitted comes to the next one', async () => {
    rig = await kind.make();
    const sent = ids('crash', 5);
    await rig.send(sent);
    // An inbox that never answers: nothing can be acked.
    const stuck = new TestInbox(() => 'hang');
    const first = await started(stuck);
    await until('the first input to hand over a message', () => stuck.seen.size > 0);
    const t0 = Date.now();
    await first.stop();
    running.splice(running.indexOf(first), 1);
    // `stop` waits for the inbox, but not for ever.
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(first.ready()).toBe(false);
    await rig.released?.();
    const inbox = new TestInbox();
    await started(inbox);
    await until('every message at the next input', () => sent.every((id) => inbox.stored.has(id)));
  }, 90_000);

  it.skipIf(!ok)('stops cleanly: acked messages are gone upstream, the input reports drained, stop is prompt and releases its connections', async () => {
    rig = await kind.make();
    const sent = ids('ok', 5);
    const before = sockets();
    const inbox = new TestInbox();
    const input = await started(inbox);
    expect(input.ready()).toBe(true);
    await rig.send(sent);
    await until('every message stored', () => sent.every((id) => inbox.stored.has(id)));
    const drained = async () => {
      // Twice in a row, as `--until-drained` asks (a replication slot confirms on the second look).
      for (let clean = 0, t = 0; t < 100; t++) {
        clean = (await input.drained()) ? clean + 1 : 0;
        if (clean >= 2) return true;
        await sleep(100);
      }
      return false;
    };
    expect(await drained()).toBe(true);
    const t0 = Date.now();
    await input.stop();
    running.splice(running.indexOf(input), 1);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(input.ready()).toBe(false);
    await until('its sockets closed', () => sockets() <= before, 5_000);
    await rig.released?.();
    // What was acked does not come again (the file input reads its file anew; the inbox drops those).
    const next = new TestInbox();
    await started(next);
    await sleep(1_500);
    if (rig.rereads) expect([...next.stored].sort()).toEqual([...sent].sort());
    else expect(next.seen.size).toBe(0);
  }, 60_000);
});

/** Open TCP sockets and servers of this process. */
function sockets(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'TCPServerWrap').length;
}
