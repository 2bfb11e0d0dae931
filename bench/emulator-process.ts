/**
 * Starts an emulator in its own process (its own core), as a real target would be, and prints
 * `READY <url>` on stdout. Options come as one JSON argument: `{kind, ...emulator options}`.
 * With `EMULATOR_CPU_PROFILE=DIR` it writes a .cpuprofile of its whole life into DIR on SIGTERM
 * (Node refuses --cpu-prof in NODE_OPTIONS, and bench/lib.ts owns this process's command line).
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { startCidaasEmulator } from '../src/emulators/cidaas/index.ts';

const profileDir = process.env['EMULATOR_CPU_PROFILE'];
const session = profileDir ? new Session() : undefined;
if (session) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
}

const { kind, ...options } = JSON.parse(process.argv[2] ?? '{}') as { kind?: string } & Record<string, unknown>;
// Cloudentity is loaded on demand so a cidaas-only run does not depend on it.
const handle =
  kind === 'cloudentity'
    ? await (await import('../src/emulators/cloudentity/index.ts')).startCloudentityEmulator(options)
    : await startCidaasEmulator(options);
process.stdout.write(`READY ${handle.url}\n`);
process.on('message', (msg) => {
  if (msg === 'stats') process.send?.({ stats: handle.stats() });
});
process.on('SIGTERM', () => {
  void (async () => {
    await handle.close();
    if (session && profileDir) {
      const { profile } = await session.post('Profiler.stop');
      mkdirSync(profileDir, { recursive: true });
      writeFileSync(path.join(profileDir, `emulator-${process.pid}.cpuprofile`), JSON.stringify(profile));
    }
    process.exit(0);
  })();
});
