import { targetKind, type RegisteredTargetConfig } from './registry.ts';
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
export function createTarget(config: RegisteredTargetConfig): Target {
  // The descriptor is the one of config.kind, so its `create` takes this config; TypeScript cannot
  // follow that link through the registry's union, hence the widening.
  const create = targetKind(config.kind).create as (c: RegisteredTargetConfig) => Target;
  return create(config);
}
