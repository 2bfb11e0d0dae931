/**
 * Starts an emulator in its own process (its own core), as a real target would be, and prints
 * `READY <url>` on stdout. Options come as one JSON argument: `{kind, ...emulator options}`.
 * With `EMULATOR_CPU_PROFILE=DIR` it writes a .cpuprofile of its whole life into DIR on SIGTERM
 * (Node refuses --cpu-prof in NODE_OPTIONS, and bench/lib.ts owns this process's command line).
 * With `EMULATOR_GC_SUMMARY=1` it prints the count and main-thread time of each kind of GC to stderr.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { constants, PerformanceObserver, type NodeGCPerformanceDetail, type PerformanceEntry } from 'node:perf_hooks';
import { loadModule } from './lib.ts';
import type * as CidaasEmulator from '../src/emulators/cidaas/index.ts';
import type * as CloudentityEmulator from '../src/emulators/cloudentity/index.ts';

const profileDir = process.env['EMULATOR_CPU_PROFILE'];
const session = profileDir ? new Session() : undefined;
if (session) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
}

const gcKinds: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};
const gc = new Map<string, { count: number; ms: number }>();
const gcObserver = process.env['EMULATOR_GC_SUMMARY'] ? new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const name = gcKinds[((entry as PerformanceEntry & { detail?: NodeGCPerformanceDetail }).detail?.kind ?? -1)] ?? 'other';
    const s = gc.get(name) ?? { count: 0, ms: 0 };
    s.count++;
    s.ms += entry.duration;
    gc.set(name, s);
  }
}) : undefined;
gcObserver?.observe({ entryTypes: ['gc'] });

const { kind, ...options } = JSON.parse(process.argv[2] ?? '{}') as { kind?: string } & Record<string, unknown>;
// The compiled build when it is up to date, as `ciam-migrate emulator` runs it; Cloudentity is
// loaded on demand so a cidaas-only run does not depend on it.
const handle =
  kind === 'cloudentity'
    ? await (await loadModule<typeof CloudentityEmulator>('emulators/cloudentity/index')).startCloudentityEmulator(options)
    : await (await loadModule<typeof CidaasEmulator>('emulators/cidaas/index')).startCidaasEmulator(options);
process.stdout.write(`READY ${handle.url}\n`);
process.on('message', (msg) => {
  // `{faults: {...}}`: change fault settings from the next request on (e.g. a read-rate limit after a load).
  if (typeof msg === 'object' && msg !== null && 'faults' in msg) {
    Object.assign(handle.faults, (msg as { faults: Record<string, number> }).faults);
    process.send?.({ faultsSet: true });
    return;
  }
  if (msg === 'stats') {
    const { user, system } = process.cpuUsage();
    process.send?.({ stats: handle.stats(), cpuSeconds: (user + system) / 1e6 });
  }
});
process.on('SIGTERM', () => {
  void (async () => {
    await handle.close();
    if (session && profileDir) {
      const { profile } = await session.post('Profiler.stop');
      mkdirSync(profileDir, { recursive: true });
      writeFileSync(path.join(profileDir, `emulator-${process.pid}.cpuprofile`), JSON.stringify(profile));
    }
    if (gcObserver) process.stderr.write(`emulator GC ${JSON.stringify(Object.fromEntries([...gc].map(([k, v]) => [k, { count: v.count, ms: Math.round(v.ms) }])))}\n`);
    process.exit(0);
  })();
});
