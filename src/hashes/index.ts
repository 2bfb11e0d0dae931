export * from './identify.ts';
export * from './verify.ts';
export * from './encode-cidaas.ts';
