import type { TargetConfig } from '../config/target.ts';
import { CidaasAdapter } from './cidaas/adapter.ts';
import { CloudentityAdapter } from './cloudentity/adapter.ts';
import type { SingleUserTarget } from './target.ts';

export * from './target.ts';
export * from './errors.ts';
export { CidaasAdapter } from './cidaas/adapter.ts';
export { CloudentityAdapter } from './cloudentity/adapter.ts';
export type { CloudentityAdapterOptions } from './cloudentity/adapter.ts';
export { uuidV5 } from './common/uuid-v5.ts';
export { cloudentityUserId } from './cloudentity/ids.ts';

/** The production adapter for a target config. Nothing is contacted until the first call (or `open()`). */
export function createTarget(config: TargetConfig): SingleUserTarget {
  switch (config.kind) {
    case 'cidaas':
      return new CidaasAdapter(config);
    case 'cloudentity':
      return new CloudentityAdapter(config);
  }
}
