import type { z } from 'zod';
import type { EncodeResult } from '../hashes/types.ts';
import type { PasswordHash } from '../model/index.ts';
import type { Target } from './target.ts';

/** A flag a target adds to `hash convert` (commander spelling; its value reaches `encode` by camelCase name). */
export interface ConvertOption {
  readonly flags: string;
  readonly description: string;
}

/**
 * What the rest of the program needs of a target kind. Each kind has one in its own folder
 * (src/targets/<kind>/kind.ts) and one line in src/targets/registry.ts; config, `init`,
 * `hash convert`, `verify` and `createTarget` read only this, so a new target touches nothing else.
 */
export interface TargetKind<K extends string, C extends { kind: K }, S extends z.ZodType<C> = z.ZodType<C>> {
  /** `target.kind` in migration.yaml. */
  readonly kind: K;
  /** The zod schema of its `target:` block (imports only zod and src/targets/common/config.ts). */
  readonly schema: S;
  /** The production adapter; nothing is contacted until the first call. Reasons already redacted. */
  create(config: C): Target;
  /** The commented `target:` block `ciam-migrate init --target <kind>` writes. */
  readonly example: string;
  /** `hash convert --to <kind>`: the payload field it prints and how a parsed hash becomes it. */
  readonly convert: {
    readonly field: string;
    readonly options: readonly ConvertOption[];
    encode(hash: PasswordHash, options: Readonly<Record<string, unknown>>): EncodeResult<unknown>;
  };
  /** Where in the tenant users live beyond the baseUrl, for `verify`'s resume key ('' if nowhere). */
  verifyScope(config: C): string;
}
