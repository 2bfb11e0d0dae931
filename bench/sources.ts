/**
 * Streams a ~1 GB CSV through the CSV source and the mapper and prints records/s and peak RSS.
 * `npx tsx bench/sources.ts [megabytes]` — the file goes to a temp dir and is deleted afterwards.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Mapping } from '../src/config/mapping.ts';
import { SourceConfig } from '../src/config/source.ts';
import { createMapper } from '../src/mapping/index.ts';
import { createSource } from '../src/sources/index.ts';

const targetBytes = Number(process.argv[2] ?? 1024) * 1024 * 1024;
const BCRYPT = '$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy';

async function generate(path: string): Promise<number> {
  const out = createWriteStream(path);
  out.write('id,email,given_name,family_name,phone,groups,created,password_hash,bio\n');
  let bytes = 0;
  let n = 0;
  while (bytes < targetBytes) {
    n++;
    const line = `${n},user${n}@example.org,Given${n},"Family, ${n}",+4917612${String(n % 1_000_000).padStart(6, '0')},"a,b",${String((n % 28) + 1).padStart(2, '0')}.03.2015,${BCRYPT},"${'lorem ipsum '.repeat(n % 20)}"\n`;
    bytes += line.length;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return n;
}

const dir = await mkdtemp(join(tmpdir(), 'bench-sources-'));
try {
  const path = join(dir, 'users.csv');
  const rows = await generate(path);
  const size = (await stat(path)).size;
  const source = createSource(SourceConfig.parse({ kind: 'csv', path }));
  const mapper = await createMapper(
    Mapping.parse({
      fields: {
        sourceId: 'id',
        email: { from: 'email', transform: 'lowercase' },
        'name.given': 'given_name',
        'name.family': 'family_name',
        phone: 'phone',
        groups: 'groups',
        createdAt: { from: 'created', transform: 'datetime', format: 'DD.MM.YYYY' },
      },
      attributes: { bio: 'bio' },
      password: { from: 'password_hash' },
    }),
  );
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 100);
  const start = process.hrtime.bigint();
  let ok = 0;
  let rejected = 0;
  for await (const record of source.read()) {
    if (mapper.map(record).ok) ok++;
    else rejected++;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  console.log(
    JSON.stringify({
      fileMB: Math.round(size / 1024 / 1024),
      rows,
      ok,
      rejected,
      seconds: Number(seconds.toFixed(1)),
      recordsPerSecond: Math.round((ok + rejected) / seconds),
      mbPerSecond: Number((size / 1024 / 1024 / seconds).toFixed(1)),
      peakRssMB: Math.round(peak / 1024 / 1024),
    }),
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
