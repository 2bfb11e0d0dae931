import type { TargetConfig } from '../config/target.ts';
import { CidaasAdapter } from './cidaas/adapter.ts';
import { CloudentityAdapter } from './cloudentity/adapter.ts';
import { withRedactedReasons } from './common/redacting-target.ts';
import type { Target } from './target.ts';

export * from './target.ts';
export * from './errors.ts';
export { CidaasAdapter } from './cidaas/adapter.ts';
export { CloudentityAdapter } from './cloudentity/adapter.ts';
export type { CloudentityAdapterOptions } from './cloudentity/adapter.ts';
export { uuidV5 } from './common/uuid-v5.ts';
export { cloudentityUserId } from './cloudentity/ids.ts';

/**
 * The production adapter for a target config. Nothing is contacted until the first call (or `open()`).
 * Every reason and error it gives back is redacted (common/redacting-target.ts): vendors echo requests.
 */
export function createTarget(config: TargetConfig): Target {
  switch (config.kind) {
    case 'cidaas':
      return withRedactedReasons(new CidaasAdapter(config), [config.clientSecret]);
    case 'cloudentity':
      return withRedactedReasons(new CloudentityAdapter(config), [config.clientSecret]);
  }
}
