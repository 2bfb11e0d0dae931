import { z } from 'zod';
import { targetKinds } from '../targets/registry.ts';

/*
 * The `target:` block: one schema per registered target kind, each in its own folder
 * (src/targets/<kind>/config.ts, shared fields in src/targets/common/config.ts).
 */

type SchemasOf<T extends readonly unknown[]> = { -readonly [I in keyof T]: T[I] extends { schema: infer S } ? S : never };
type TargetSchemas = SchemasOf<typeof targetKinds>;

// `map` forgets the tuple's element types; the mapped type above restores them so the union stays precise.
const targetSchemas = targetKinds.map((k) => k.schema) as unknown as TargetSchemas;

export const TargetConfig = z.discriminatedUnion('kind', targetSchemas);
export type TargetConfig = z.infer<typeof TargetConfig>;
