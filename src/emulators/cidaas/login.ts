import { constantTimeEqual } from '../../hashes/primitives.ts';
import { isObject, parseJson } from '../shared/body.ts';
import type { EmuRequest, Reply } from '../shared/router.ts';
import type { CidaasContext } from './context.ts';
import { verifyCidaasHash } from './verify-hash.ts';

export type LoginResult =
  | { ok: true; sub: string }
  | { ok: false; reason: 'unknown user' | 'wrong password' | 'must reset' | 'locked' | 'inactive' | 'no password' | 'unsupported algorithm'; sub?: string }
  /** The CUSTOM_* verifier could not give a verdict; `detail` says why (unreachable, refused the credentials). */
  | { ok: false; reason: 'verifier error'; detail: string; sub: string };

/** Looks the identifier up as email, mobile number or username of the given provider. */
function findSub(ctx: CidaasContext, identifier: string, provider: string): string | undefined {
  if (identifier !== '') {
    const index = ctx.store.identifiers;
    const sub = index.get(provider, 'email', identifier) ?? index.get(provider, 'mobile_number', identifier) ?? index.get(provider, 'username', identifier);
    if (sub !== undefined) return sub;
  }
  return ctx.store.has(identifier) ? identifier : undefined;
}

/** Would this password log in on a real tenant? Only VERIFIED users can log in (contract §3.2). */
export async function checkLogin(ctx: CidaasContext, identifier: string, password: string, provider = 'self'): Promise<LoginResult> {
  const sub = findSub(ctx, identifier, provider);
  const user = sub !== undefined ? ctx.store.get(sub) : undefined;
  if (user === undefined) return { ok: false, reason: 'unknown user' };
  if (user.userStatus === 'LOCKED') return { ok: false, reason: 'locked', sub: user.sub };
  if (user.userStatus !== 'VERIFIED') return { ok: false, reason: 'inactive', sub: user.sub };
  if (user.account['need_reset_password'] === true || user.account['generate_password'] === true) {
    return { ok: false, reason: 'must reset', sub: user.sub };
  }
  const stored = user.password;
  if (stored === undefined) return { ok: false, reason: 'no password', sub: user.sub };
  if (stored.kind === 'plain') {
    const ok = constantTimeEqual(Buffer.from(stored.value), Buffer.from(password));
    return ok ? { ok: true, sub: user.sub } : { ok: false, reason: 'wrong password', sub: user.sub };
  }
  const algorithms = ctx.options.algorithms;
  const config = algorithms[stored.info.algorithmTypeId] ?? algorithms['*'] ?? {};
  let verifierError = '';
  const verdict = await verifyCidaasHash(stored.info, password, config, ctx.verifier, (detail) => (verifierError = detail));
  if (verdict === 'match') return { ok: true, sub: user.sub };
  if (verdict === 'verifier-error') return { ok: false, reason: 'verifier error', detail: verifierError, sub: user.sub };
  return { ok: false, reason: verdict === 'unsupported' ? 'unsupported algorithm' : 'wrong password', sub: user.sub };
}

/** `POST /_emulator/login {identifier, password, provider?}` */
export async function handleLogin(ctx: CidaasContext, req: EmuRequest): Promise<Reply> {
  const parsed = parseJson(req.body);
  if (!parsed.ok || !isObject(parsed.value)) return { status: 400, body: { error: 'JSON body {identifier, password} expected' } };
  const { identifier, password, provider } = parsed.value;
  if (typeof identifier !== 'string' || typeof password !== 'string') {
    return { status: 400, body: { error: 'identifier and password must be strings' } };
  }
  return { status: 200, body: await checkLogin(ctx, identifier, password, typeof provider === 'string' ? provider : 'self') };
}
