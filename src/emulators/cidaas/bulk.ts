import { parseJson } from '../shared/body.ts';
import type { EmuRequest, Reply } from '../shared/router.ts';
import { checkEntity, type EntityCheck } from './check.ts';
import { authorize, type CidaasContext } from './context.ts';
import { CIDAAS_CODE_INVALID_EMAIL, cidaasError } from './errors.ts';
import { failed, type ProcessState } from './process-state.ts';
import { upsert } from './upsert.ts';

/** `POST /users-srv/user/bulk`: validate everything first, so a request-level rejection changes nothing. */
export function handleBulk(ctx: CidaasContext, req: EmuRequest): Reply {
  const auth = authorize(ctx, req, ['cidaas:bulk_user_create']);
  if (!auth.ok) return auth.reply;
  const parsed = parseJson(req.body);
  if (!parsed.ok) return cidaasError(400, 'invalid request body: JSON expected');
  const users = parsed.value;
  if (!Array.isArray(users)) return cidaasError(400, 'request body must be an array of users');
  if (users.length === 0) return cidaasError(400, 'request body must contain at least one user');
  const limit = ctx.options.strict50 ? 50 : ctx.options.maxBatch;
  if (users.length > limit) return cidaasError(413, `at most ${limit} users per request`);

  const results: EntityCheck[] = new Array<EntityCheck>(users.length);
  for (let i = 0; i < users.length; i++) {
    const r = checkEntity(users[i], ctx.rules);
    results[i] = r;
    if (r.ok) continue;
    if (r.problem.kind === 'no-identifier' && ctx.options.missingIdentifierMode === 'request') {
      return cidaasError(400, `user ${i}: ${r.problem.message}`);
    }
    if (r.problem.kind === 'invalid-email' && ctx.options.invalidEmailMode === 'request') {
      return cidaasError(417, r.problem.message, { code: CIDAAS_CODE_INVALID_EMAIL });
    }
  }

  const states: ProcessState[] = new Array<ProcessState>(results.length);
  const now = ctx.options.clock();
  for (let i = 0; i < results.length; i++) {
    const r = results[i] as EntityCheck;
    states[i] = r.ok ? upsert(ctx, auth.client, r.entity, now) : failed(ctx, r.identifier, r.problem.message);
  }
  const body = { process_states: states };
  return ctx.options.envelope === 'standard' ? { status: 200, body: { success: true, status: 200, data: body } } : { status: 200, body };
}
