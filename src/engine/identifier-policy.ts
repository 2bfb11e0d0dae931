import type { Mapper } from '../mapping/index.ts';
import type { User } from '../model/index.ts';
import type { Source } from '../sources/source.ts';
import { DuplicateFinder, type IdentifierKind } from './duplicates.ts';

/**
 * Two legacy users with the same email, phone or username cannot both exist in the target: the
 * second one fails there, and on a target that answers per request (Cloudentity) every batch that
 * carries one is split until it stands alone (thousands of extra calls). So they are settled
 * before anything is sent (`run.duplicateIdentifiers`):
 * - `first-wins`: the first user in the source's order keeps the identifier and is sent; a later
 *   user sharing one of its identifiers is rejected, naming the first.
 * - `reject-all`: neither is sent, so that a person decides; the source is read twice (the first
 *   read only collects identifiers).
 * - `send`: everyone is sent and the target decides (what ciam-migrate did before).
 * Merging two legacy accounts into one is not offered: which password, which social logins and
 * which legacy id survive is a decision for a mapping module, not for a default.
 * A user the target already holds, unchanged, is never held back (it is in the target already).
 */
export type DuplicateIdentifierPolicy = 'first-wins' | 'reject-all' | 'send';

/** The identifiers the policy looks at; legacy ids repeated in one run are the ledger's to catch. */
const KINDS: readonly IdentifierKind[] = ['email', 'phone', 'username'];

/** Per chunk of mapped users, in source order: index → why that user is held back. */
export interface IdentifierCheck {
  check(users: ReadonlyArray<{ user: User; position: string }>): Map<number, string>;
  close(): void;
}

function firstWins(): IdentifierCheck {
  const finder = new DuplicateFinder(0, KINDS);
  return {
    check(users) {
      const held = new Map<number, string>();
      for (const [i, f] of finder.addChunk([...users]).shared) {
        held.set(i, `${f.kind} shared with legacy id ${f.firstSourceId} (${f.firstPosition}), which keeps it: not sent (run.duplicateIdentifiers: first-wins)`);
      }
      return held;
    },
    close: () => finder.close(),
  };
}

function rejectAll(involved: DuplicateFinder): IdentifierCheck {
  return {
    check(users) {
      const held = new Map<number, string>();
      users.forEach(({ user }, i) => {
        const f = involved.involvementOf(user.sourceId);
        if (f !== undefined) {
          held.set(i, `${f.kind} shared with legacy id ${f.otherSourceId} (${f.otherPosition}): neither is sent (run.duplicateIdentifiers: reject-all)`);
        }
      });
      return held;
    },
    close: () => involved.close(),
  };
}

/**
 * The check for `policy`, or undefined for `send`. `reject-all` reads the whole source once first
 * (mapping every record, nothing written) to know every user on either side of a shared identifier.
 */
export async function identifierCheck(
  policy: DuplicateIdentifierPolicy,
  preRead: { source: Source; mapper: Mapper; signal?: AbortSignal; since?: string },
): Promise<IdentifierCheck | undefined> {
  if (policy === 'send') return undefined;
  if (policy === 'first-wins') return firstWins();
  const involved = new DuplicateFinder(0, KINDS, true);
  try {
    let chunk: Array<{ user: User; position: string }> = [];
    for await (const record of preRead.source.read(preRead.signal, preRead.since !== undefined ? { since: preRead.since } : {})) {
      if (record.error !== undefined) continue;
      const mapped = preRead.mapper.map(record);
      if (!mapped.ok) continue;
      chunk.push({ user: mapped.user, position: record.position });
      if (chunk.length >= 1000) {
        involved.addChunk(chunk);
        chunk = [];
      }
    }
    involved.addChunk(chunk);
  } catch (err) {
    involved.close();
    throw err;
  }
  return rejectAll(involved);
}
