import type { SyncInput } from '../../config/sync.ts';
import type { SyncMetrics } from '../../observe/metrics.ts';
import { createDecoder, type DecodeContext } from '../envelope/index.ts';
import type { AnyEventInput } from '../input.ts';
import type { InputDescriptor } from './descriptor.ts';
import { INPUTS } from './registry.ts';

const byKind = new Map<string, InputDescriptor>(INPUTS.map((d) => [d.kind, d]));

export function inputName(config: SyncInput, index: number): string {
  return config.name ?? `${config.kind}-${index + 1}`;
}

/** Opens the configured inputs, each through its kind's descriptor (registry.ts), which loads its transport only now. */
export async function createInputs(
  configs: SyncInput[],
  decode: DecodeContext,
  metrics: SyncMetrics,
  onError: (input: string, err: unknown) => void,
): Promise<AnyEventInput[]> {
  const inputs: AnyEventInput[] = [];
  for (const [i, c] of configs.entries()) {
    const descriptor = byKind.get(c.kind);
    // The config schema is built from the same list: a kind without a descriptor cannot pass it.
    if (descriptor === undefined) throw new Error(`input ${inputName(c, i)}: no input of kind ${c.kind}`);
    const name = inputName(c, i);
    inputs.push(
      await descriptor.open(c, {
        name,
        decode,
        decoder: (envelope) => createDecoder(envelope, decode),
        metrics,
        onError: (err) => onError(name, err),
      }),
    );
  }
  return inputs;
}
