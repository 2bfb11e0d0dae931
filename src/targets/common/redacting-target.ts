import type { Outcome } from '../../model/index.ts';
import { redactReason, redactSecrets } from '../../observe/redact.ts';
import type { Target } from '../target.ts';

/** The methods whose answers carry per-user reasons (Outcome or Outcome[]). */
const OUTCOME_METHODS: ReadonlySet<PropertyKey> = new Set([
  'upsert',
  'remove',
  'changeEmail',
]);

/**
 * The adapter as the engine and the sync see it: every reason it returns is redacted (secrets,
 * tokens, hashes, identifiers; see observe/redact.ts) and every error it throws has its message
 * and stack cleaned of secrets, whatever the vendor echoed into them. This is where a target's
 * words enter the ledger, the inbox and every report, so no adapter path can skip it.
 *
 * A Proxy rather than a wrapper class, so methods an adapter adds later (read APIs, say) pass
 * through unchanged instead of disappearing behind an interface.
 */
export function withRedactedReasons<T extends Target>(target: T, secrets: readonly string[] = []): T {
  // Keyed by the function itself, not its name: a method replaced on the target later is wrapped afresh.
  const wrapped = new WeakMap<object, unknown>();
  return new Proxy(target, {
    get(obj, prop) {
      const value: unknown = Reflect.get(obj, prop, obj);
      if (typeof value !== 'function') return value;
      const cached = wrapped.get(value);
      if (cached !== undefined) return cached;
      const fn = value as (...args: unknown[]) => unknown;
      const clean: (r: unknown) => unknown = OUTCOME_METHODS.has(prop)
        ? (r) => cleanOutcomes(r, secrets)
        : READ_SIDES.has(prop)
          ? (r) => (r !== null && typeof r === 'object' ? withCleanAnswers(r, secrets) : r)
          : (r) => r;
      const call = cleaningCall(obj, fn, clean, secrets);
      wrapped.set(value, call);
      return call;
    },
  });
}

/** Methods that hand out the read side (`verify`, `plan`'s target checks), whose answers quote the target too. */
const READ_SIDES: ReadonlySet<PropertyKey> = new Set(['reader', 'preflight']);

function cleaningCall(obj: object, fn: (...args: unknown[]) => unknown, clean: (r: unknown) => unknown, secrets: readonly string[]) {
  return (...args: unknown[]): unknown => {
    let result: unknown;
    try {
      result = fn.apply(obj, args);
    } catch (err) {
      throw cleanError(err, secrets);
    }
    if (!(result instanceof Promise)) return clean(result);
    return result.then(clean, (err: unknown) => {
      throw cleanError(err, secrets);
    });
  };
}

/**
 * A reader or pre-flight object whose answers have their words cleaned: `reason` as a stored
 * reason (identifiers normalised too), `message`/`remedy` as operator messages (secrets only).
 * The compared views (`view`) are left whole: they are what verify compares, never printed as they are.
 */
function withCleanAnswers<T extends object>(side: T, secrets: readonly string[]): T {
  const wrapped = new WeakMap<object, unknown>();
  return new Proxy(side, {
    get(obj, prop) {
      const value: unknown = Reflect.get(obj, prop, obj);
      if (typeof value !== 'function') return value;
      const cached = wrapped.get(value);
      if (cached !== undefined) return cached;
      const call = cleaningCall(obj, value as (...args: unknown[]) => unknown, (r) => cleanAnswer(r, secrets), secrets);
      wrapped.set(value, call);
      return call;
    },
  });
}

function cleanAnswer(answer: unknown, secrets: readonly string[]): unknown {
  if (Array.isArray(answer)) return answer.map((a) => cleanAnswer(a, secrets));
  if (answer === null || typeof answer !== 'object') return answer;
  const a = answer as Record<string, unknown>;
  if (typeof a.reason !== 'string' && typeof a.message !== 'string' && typeof a.remedy !== 'string') return answer;
  return {
    ...a,
    ...(typeof a.reason === 'string' ? { reason: redactReason(a.reason, { secrets }) } : {}),
    ...(typeof a.message === 'string' ? { message: redactSecrets(a.message, { secrets }) } : {}),
    ...(typeof a.remedy === 'string' ? { remedy: redactSecrets(a.remedy, { secrets }) } : {}),
  };
}

function cleanOutcomes(result: unknown, secrets: readonly string[]): unknown {
  if (Array.isArray(result)) return result.map((o) => cleanOutcome(o as Outcome, secrets));
  return result !== null && typeof result === 'object' && 'kind' in result ? cleanOutcome(result as Outcome, secrets) : result;
}

function cleanOutcome(o: Outcome, secrets: readonly string[]): Outcome {
  if (o.kind === 'ok') return o;
  return { ...o, reason: redactReason(o.reason, { secrets }) };
}

/** Errors keep their class (the engine tells fatal ones apart by it); only their words are cleaned. */
export function cleanError(err: unknown, secrets: readonly string[] = []): unknown {
  if (!(err instanceof Error)) return new Error(redactSecrets(String(err), { secrets }));
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; depth++) {
    e.message = redactSecrets(e.message, { secrets });
    if (e.stack !== undefined) e.stack = redactSecrets(e.stack, { secrets });
    e = e.cause;
  }
  return err;
}
