import { isObject, parseJson } from '../shared/body.ts';
import type { EmuRequest, Reply } from '../shared/router.ts';
import type { CloudentityContext } from './context.ts';
import type { LinkedRec } from './store.ts';
import { verifyCloudentityHash } from './verify-hash.ts';

export type LoginResult =
  | { ok: true; userId: string }
  | {
      ok: false;
      reason: 'unknown user' | 'wrong password' | 'must reset' | 'must change' | 'inactive' | 'no password' | 'unsupported algorithm';
      userId?: string;
    };

/** The migration docs' "keep the password" sentinel: in the past, yet not an expiry. */
const NO_EXPIRY = Date.parse('1900-01-01T00:00:00Z');

function mustReset(cred: LinkedRec, now: number): boolean {
  if (cred['state'] === 'must_be_reset') return true;
  const expires = cred['expires_at'];
  if (typeof expires !== 'string') return false;
  const at = Date.parse(expires);
  return at !== NO_EXPIRY && at <= now;
}

export async function checkLogin(ctx: CloudentityContext, identifier: string, password: string, poolId?: string): Promise<LoginResult> {
  const { store } = ctx;
  const lc = identifier.toLowerCase();
  const pools = poolId !== undefined ? [poolId] : [...store.pools.keys()];
  let owner: LinkedRec | undefined;
  for (const pool of pools) {
    owner = store.identifierOwner(pool, lc);
    if (owner !== undefined) break;
  }
  const user = owner !== undefined ? store.users.get(owner.user_id) : undefined;
  if (user === undefined) return { ok: false, reason: 'unknown user' };
  const userId = user.id;
  if (user.status !== 'active') return { ok: false, reason: 'inactive', userId };
  const cred = store.childrenOf(userId, 'credentials').find((c) => c['type'] === 'password');
  if (cred === undefined) return { ok: false, reason: 'no password', userId };
  if (mustReset(cred, ctx.options.clock())) return { ok: false, reason: 'must reset', userId };
  const payload = isObject(cred['payload']) ? cred['payload'] : {};
  const verdict = await verifyCloudentityHash(payload['hashed_password'], password, ctx.options.hashSemantics);
  if (verdict === 'unsupported') return { ok: false, reason: 'unsupported algorithm', userId };
  if (verdict === 'mismatch') return { ok: false, reason: 'wrong password', userId };
  if (cred['state'] === 'must_be_changed') return { ok: false, reason: 'must change', userId };
  return { ok: true, userId };
}

/** `POST /_emulator/login {identifier, password, pool?}` */
export async function handleLogin(ctx: CloudentityContext, req: EmuRequest): Promise<Reply> {
  const parsed = parseJson(req.body);
  if (!parsed.ok || !isObject(parsed.value)) return { status: 400, body: { error: 'JSON body {identifier, password} expected' } };
  const { identifier, password, pool } = parsed.value;
  if (typeof identifier !== 'string' || typeof password !== 'string') {
    return { status: 400, body: { error: 'identifier and password must be strings' } };
  }
  return { status: 200, body: await checkLogin(ctx, identifier, password, typeof pool === 'string' ? pool : undefined) };
}
