import { file } from './file/index.ts';
import { nats } from './nats/index.ts';
import { postgresCdc } from './postgres-cdc/index.ts';
import { rabbitmq } from './rabbitmq/index.ts';
import { webhook } from './webhook/index.ts';

/**
 * Every kind of event input. An input is its folder (transport, `config.ts`, descriptor in
 * `index.ts`) and its line here: the config schema (`src/config/sync.ts`) and `createInputs` read
 * this list. The order is the order of the config schema's alternatives (its JSON Schema's `anyOf`).
 */
export const INPUTS = [webhook, nats, rabbitmq, postgresCdc, file] as const;
