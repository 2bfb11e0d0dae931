/**
 * Publishes bench CloudEvents to NATS JetStream at a fixed rate, in a process of its own, so that
 * the fixed-rate runs of bench/sync.ts measure the sync's CPU without the publisher's. One JSON
 * argument: `{servers, subject, rate, seconds, users}`; prints `SENT <n>` once every publish is acked.
 */
import { connect } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { cloudEventBody } from './lib.ts';

const o = JSON.parse(process.argv[2] ?? '{}') as { servers: string; subject: string; rate: number; seconds: number; users: number };
const nc = await connect({ servers: o.servers });
const js = jetstream(nc);
const versions = new Map<number, number>();
const acks: Promise<unknown>[] = [];
const t0 = Date.now();
let sent = 0;
while (Date.now() - t0 < o.seconds * 1000) {
  const due = Math.floor(((Date.now() - t0) / 1000) * o.rate);
  for (; sent < due; sent++) {
    const u = Math.floor(Math.random() * o.users);
    const v = (versions.get(u) ?? 0) + 1;
    versions.set(u, v);
    acks.push(js.publish(o.subject, cloudEventBody(u, v)));
  }
  await new Promise((r) => setTimeout(r, 10));
}
await Promise.all(acks);
await nc.drain();
console.log(`SENT ${sent}`);
