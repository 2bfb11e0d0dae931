import { isPasswordHash, type UserPassword } from '../model/index.ts';
import type { PasswordAction, PasswordPlan } from './plan.ts';

export type CensusOutcome = PasswordAction | 'unrecognised';

export interface CensusReport {
  users: number;
  /** format → users and what happens to them. `none` = no stored password. */
  byFormat: Record<string, { users: number; outcomes: Partial<Record<CensusOutcome, number>> }>;
  byOutcome: Partial<Record<CensusOutcome, number>>;
  /** Redacted reasons (never a hash value) → users; the most frequent first, capped. */
  reasons: Record<string, number>;
  mfa: { usersWithMfa: number; usersMfaLost: number; factorsLost: number };
}

const MAX_REASONS = 50;

/** Counts users per hash format and per outcome, for `plan` and the run report. Holds no hashes. */
export class HashCensus {
  private users = 0;
  private readonly formats = new Map<string, { users: number; outcomes: Map<CensusOutcome, number> }>();
  private readonly outcomes = new Map<CensusOutcome, number>();
  private readonly reasonCounts = new Map<string, number>();
  private readonly mfa = { usersWithMfa: 0, usersMfaLost: 0, factorsLost: 0 };

  /** One user whose password was identified (or who has none) and planned. */
  addUser(password: UserPassword | undefined, plan: PasswordPlan): void {
    const format = isPasswordHash(password) ? password.format : 'none';
    this.count(format, plan.action, 'reason' in plan ? plan.reason : undefined);
  }

  /** One user whose stored value could not be identified (`reason` comes redacted from identify). */
  addUnrecognised(reason: string): void {
    this.count('unrecognised', 'unrecognised', reason);
  }

  /** MFA factors a user had and how many of them the target cannot take. */
  addMfa(factors: number, lost: number): void {
    if (factors <= 0) return;
    this.mfa.usersWithMfa++;
    if (lost > 0) this.mfa.usersMfaLost++;
    this.mfa.factorsLost += lost;
  }

  /** One user whose outcome a target adapter already decided (its `preview`). */
  addOutcome(format: string, outcome: CensusOutcome, reason?: string): void {
    this.count(format, outcome, reason);
  }

  /** Add the counts of another census (e.g. one kept on another thread). */
  absorb(report: CensusReport): void {
    this.users += report.users;
    for (const [format, f] of Object.entries(report.byFormat)) {
      const mine = this.formats.get(format) ?? { users: 0, outcomes: new Map<CensusOutcome, number>() };
      mine.users += f.users;
      for (const [o, n] of Object.entries(f.outcomes) as Array<[CensusOutcome, number]>) mine.outcomes.set(o, (mine.outcomes.get(o) ?? 0) + n);
      this.formats.set(format, mine);
    }
    for (const [o, n] of Object.entries(report.byOutcome) as Array<[CensusOutcome, number]>) this.outcomes.set(o, (this.outcomes.get(o) ?? 0) + n);
    for (const [reason, n] of Object.entries(report.reasons)) {
      if (this.reasonCounts.has(reason) || this.reasonCounts.size < MAX_REASONS) this.reasonCounts.set(reason, (this.reasonCounts.get(reason) ?? 0) + n);
    }
    this.mfa.usersWithMfa += report.mfa.usersWithMfa;
    this.mfa.usersMfaLost += report.mfa.usersMfaLost;
    this.mfa.factorsLost += report.mfa.factorsLost;
  }

  private count(format: string, outcome: CensusOutcome, reason: string | undefined): void {
    this.users++;
    const f = this.formats.get(format) ?? { users: 0, outcomes: new Map<CensusOutcome, number>() };
    f.users++;
    f.outcomes.set(outcome, (f.outcomes.get(outcome) ?? 0) + 1);
    this.formats.set(format, f);
    this.outcomes.set(outcome, (this.outcomes.get(outcome) ?? 0) + 1);
    if (reason !== undefined && (this.reasonCounts.has(reason) || this.reasonCounts.size < MAX_REASONS)) {
      this.reasonCounts.set(reason, (this.reasonCounts.get(reason) ?? 0) + 1);
    }
  }

  toJSON(): CensusReport {
    const byFormat: CensusReport['byFormat'] = {};
    for (const [k, v] of [...this.formats].sort((a, b) => b[1].users - a[1].users)) {
      byFormat[k] = { users: v.users, outcomes: Object.fromEntries(v.outcomes) };
    }
    return {
      users: this.users,
      byFormat,
      byOutcome: Object.fromEntries(this.outcomes),
      reasons: Object.fromEntries([...this.reasonCounts].sort((a, b) => b[1] - a[1])),
      mfa: { ...this.mfa },
    };
  }
}
