import { targetKind } from '../targets/registry.ts';
import type { VerifyDependencies } from './dependencies.ts';
import type { VerifyStore, VerifyState } from './store.ts';

/** The progress of a verification as this process runs it (resumed, or new). */
export type RunState = VerifyState & { runId: number; population: number; passwordUnconfirmed: number; requeued: number };

function stateKey(deps: VerifyDependencies): string {
  const t = deps.config.target;
  // The descriptor is the one of t.kind, so it takes this config (see createTarget).
  const where = (targetKind(t.kind).verifyScope as (c: typeof t) => string)(t);
  return `${t.kind}|${t.baseUrl}|${where}|${deps.sample !== undefined ? `sample:${deps.sample}` : 'full'}`;
}

export async function openState(deps: VerifyDependencies, store: VerifyStore, owner: string): Promise<RunState> {
  const previous = store.state() as RunState | undefined;
  const key = stateKey(deps);
  if (previous !== undefined && previous.phase !== 'done' && previous.key === key && !deps.restart) {
    const resumed = { ...previous, resumes: previous.resumes + 1, owner };
    store.saveState(resumed);
    return resumed;
  }
  store.clear();
  const stats = await deps.ledger.stats();
  const population = Math.max(0, stats.total - stats.byState.deleted);
  const sample = deps.sample;
  const state: RunState = {
    version: 1,
    id: (previous?.id ?? 0) + 1,
    startedAt: new Date().toISOString(),
    key,
    mode: sample !== undefined ? 'sample' : 'full',
    ...(sample !== undefined ? { sample } : {}),
    seed: deps.seed ?? Math.floor(Math.random() * 2 ** 31),
    // Without a ledger count yet (nothing migrated), a sample reads everyone: it is a small source.
    probability: sample === undefined || population === 0 ? 1 : Math.min(1, sample / population),
    phase: 'source',
    listed: 0,
    foreign: 0,
    reads: { calls: 0, throttled: 0, retries: 0, activeMs: 0, maxConcurrency: 0 },
    resumes: 0,
    owner,
    runId: await deps.ledger.beginRun('verify'),
    population,
    passwordUnconfirmed: 0,
    requeued: 0,
  };
  store.saveState(state);
  return state;
}

