import { HashCensus } from '../hashes/census.ts';
import { isPasswordHash, type User } from '../model/index.ts';
import type { Target } from '../targets/target.ts';

/** Counts users per hash format and outcome, and MFA loss, as the target's adapter would treat them. */
export function targetCensus(target: Pick<Target, 'preview'>): { census: HashCensus; add(user: User): ReturnType<Target['preview']> } {
  const census = new HashCensus();
  return {
    census,
    add(user) {
      const preview = target.preview(user);
      census.addOutcome(isPasswordHash(user.password) ? user.password.format : 'none', preview.password, preview.reason);
      census.addMfa(preview.mfaFactors, preview.mfaLost);
      return preview;
    },
  };
}
