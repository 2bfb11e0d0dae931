import type { EnvelopeConfig } from './config.ts';
import { withTieBreak } from '../../model/order-key.ts';
import { decodeAuth0 } from './auth0.ts';
import { decodeCloudEvents } from './cloudevents.ts';
import { decodeDebezium } from './debezium.ts';
import { decodePlainJson } from './json.ts';
import { decodeKeycloak } from './keycloak.ts';
import { decodeMaxwell } from './maxwell.ts';
import type { DecodeContext, Decoder } from './types.ts';

export type { Decoder, DecodeContext, RawMessage } from './types.ts';
export { subjectResolver } from './subject.ts';

function decoderFor(config: EnvelopeConfig, ctx: DecodeContext): Decoder {
  switch (config.kind) {
    case 'cloudevents':
      return (msg) => decodeCloudEvents(msg, config, ctx);
    case 'debezium':
      return (msg) => decodeDebezium(msg, config, ctx);
    case 'json':
      return (msg) => decodePlainJson(msg, config, ctx);
    case 'keycloak':
      return (msg) => decodeKeycloak(msg, ctx);
    case 'auth0':
      return (msg) => decodeAuth0(msg, config, ctx);
    case 'maxwell':
      return (msg) => decodeMaxwell(msg, config, ctx);
  }
}

/**
 * The decoder of an envelope. Where the transport has its own sequence (NATS), it breaks ties of the
 * envelope's order key: two changes of one user with the same version apply in the broker's order.
 */
export function createDecoder(config: EnvelopeConfig, ctx: DecodeContext): Decoder {
  const decode = decoderFor(config, ctx);
  return (msg) => {
    const out = decode(msg);
    if (msg.sequence === undefined) return out;
    for (const e of out) if (e.ok) e.event.version = withTieBreak(e.event.version, msg.sequence);
    return out;
  };
}
