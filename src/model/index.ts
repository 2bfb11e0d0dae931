export * from './password-hash.ts';
export * from './mfa.ts';
export * from './user.ts';
export * from './event.ts';
export * from './outcome.ts';
