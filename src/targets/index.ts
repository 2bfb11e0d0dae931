import type { TargetConfig } from '../config/target.ts';
import { CidaasAdapter } from './cidaas/adapter.ts';
import type { SingleUserTarget } from './target.ts';

export * from './target.ts';
export * from './errors.ts';
export { CidaasAdapter } from './cidaas/adapter.ts';

/** The production adapter for a target config. Nothing is contacted until the first call (or `open()`). */
export function createTarget(config: TargetConfig): SingleUserTarget {
  switch (config.kind) {
    case 'cidaas':
      return new CidaasAdapter(config);
    case 'cloudentity':
      throw new Error('cloudentity adapter: not yet available');
  }
}
