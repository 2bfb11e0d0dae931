export * from './identify.ts';
export * from './verify.ts';
export * from './encode-cidaas.ts';
export * from './encode-cloudentity.ts';
export * from './plan.ts';
export * from './census.ts';
export * from './totp.ts';
export { knownFormats } from './registry.ts';
export { MAX_HASH_LENGTH } from './types.ts';
