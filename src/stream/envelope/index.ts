import type { EnvelopeConfig } from '../../config/sync.ts';
import { decodeCloudEvent } from './cloudevents.ts';
import { decodeDebezium } from './debezium.ts';
import { decodePlainJson } from './json.ts';
import type { DecodeContext, Decoder } from './types.ts';

export type { Decoder, DecodeContext, RawMessage } from './types.ts';

export function createDecoder(config: EnvelopeConfig, ctx: DecodeContext): Decoder {
  switch (config.kind) {
    case 'cloudevents':
      return (msg) => decodeCloudEvent(msg, config, ctx);
    case 'debezium':
      return (msg) => decodeDebezium(msg, config, ctx);
    case 'json':
      return (msg) => decodePlainJson(msg, config, ctx);
  }
}
