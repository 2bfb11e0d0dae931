/**
 * Publishes bench CloudEvents to NATS JetStream at a fixed rate, in a process of its own, so that
 * bench/sync.ts measures the sync's CPU and memory without the publisher's. One JSON argument:
 * `{servers, subject, users, rate, seconds}` publishes at `rate`/s for `seconds`;
 * `{servers, subject, users, events}` publishes a backlog of `events` as fast as the broker takes
 * them and also prints `VERSIONS <json>`, each user's last version as `[user, version]` pairs.
 * Prints `SENT <n>` once every publish is acked.
 */
import { connect } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { cloudEventBody } from './lib.ts';

const o = JSON.parse(process.argv[2] ?? '{}') as { servers: string; subject: string; users: number; rate?: number; seconds?: number; events?: number };
const nc = await connect({ servers: o.servers });
const js = jetstream(nc);
const versions = new Map<number, number>();
const acks: Promise<unknown>[] = [];
const t0 = Date.now();
let sent = 0;
const nextBody = () => {
  const u = Math.floor(Math.random() * o.users);
  const v = (versions.get(u) ?? 0) + 1;
  versions.set(u, v);
  return cloudEventBody(u, v);
};
// A backlog goes out in windows: a million publishes in flight at once time out.
for (; o.events !== undefined && sent < o.events; ) {
  const window: Promise<unknown>[] = [];
  for (const end = Math.min(o.events, sent + 1000); sent < end; sent++) window.push(js.publish(o.subject, nextBody()));
  await Promise.all(window);
}
if (o.events !== undefined) console.log(`VERSIONS ${JSON.stringify([...versions])}`);
while (o.rate !== undefined && o.seconds !== undefined && Date.now() - t0 < o.seconds * 1000) {
  const due = Math.floor(((Date.now() - t0) / 1000) * o.rate);
  for (; sent < due; sent++) acks.push(js.publish(o.subject, nextBody()));
  await new Promise((r) => setTimeout(r, 10));
}
await Promise.all(acks);
await nc.drain();
console.log(`SENT ${sent}`);
