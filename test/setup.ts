import fc from 'fast-check';

// In CI, property tests run under a fixed seed so a landing never hinges on a lucky draw; on a
// laptop each run explores new inputs (FC_SEED reproduces a failure's seed anywhere).
const seed = process.env.FC_SEED ?? (process.env.CI === 'true' ? '20261123' : undefined);
if (seed !== undefined) fc.configureGlobal({ seed: Number(seed) });
