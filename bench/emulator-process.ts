/**
 * Starts an emulator in its own process (its own core), as a real target would be, and prints
 * `READY <url>` on stdout. Options come as one JSON argument: `{kind, ...emulator options}`.
 */
import { startCidaasEmulator } from '../src/emulators/cidaas/index.ts';

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
process.on('SIGTERM', () => void handle.close().then(() => process.exit(0)));
