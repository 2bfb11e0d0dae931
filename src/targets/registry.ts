import type { z } from 'zod';
import { cidaasKind } from './cidaas/kind.ts';
import { cloudentityKind } from './cloudentity/kind.ts';

/**
 * Every target kind, in the order `init` and `hash convert` offer them (the first is the default).
 * Adding a target is its folder plus one entry here. src/config/target.ts builds the `target:`
 * union from these schemas, so nothing reachable from here may import src/config/ (a circle).
 */
export const targetKinds = [cidaasKind, cloudentityKind] as const;

export type TargetKindName = (typeof targetKinds)[number]['kind'];

/** A parsed `target:` block of any registered kind (the same type as config/target.ts's TargetConfig). */
export type RegisteredTargetConfig = z.infer<(typeof targetKinds)[number]['schema']>;

export const targetKindNames: readonly TargetKindName[] = targetKinds.map((k) => k.kind);

export function isTargetKindName(name: string): name is TargetKindName {
  return (targetKindNames as readonly string[]).includes(name);
}

/** The descriptor of a kind; `kind` comes from a parsed config or a checked CLI choice. */
export function targetKind(kind: TargetKindName): (typeof targetKinds)[number] {
  const found = targetKinds.find((k) => k.kind === kind);
  if (found === undefined) throw new Error(`unknown target kind ${kind}`);
  return found;
}
