import { HashCensus } from '../hashes/census.ts';
import { isPasswordHash, type User } from '../model/index.ts';
import type { Target, UserPreview } from '../targets/target.ts';

/** The password format the census files a user under. */
export function passwordFormat(user: User): string {
  return isPasswordHash(user.password) ? user.password.format : 'none';
}

/** Counts users per hash format and outcome, and MFA loss, as the target's adapter would treat them. */
export function targetCensus(target: Pick<Target, 'preview'>): {
  census: HashCensus;
  add(user: User): UserPreview;
  /** For a user whose preview is already known (see `Target.encode`). */
  addPreview(format: string, preview: UserPreview): void;
} {
  const census = new HashCensus();
  const addPreview = (format: string, preview: UserPreview) => {
    census.addOutcome(format, preview.password, preview.reason);
    census.addMfa(preview.mfaFactors, preview.mfaLost);
  };
  return {
    census,
    addPreview,
    add(user) {
      const preview = target.preview(user);
      addPreview(passwordFormat(user), preview);
      return preview;
    },
  };
}
