import type { Reply } from '../shared/router.ts';
import type { Clock } from '../shared/types.ts';

/** `X-Idempotency-Key` answers kept for the replay window, per method and path. */
export class IdempotencyCache {
  private readonly entries = new Map<string, { reply: Reply; expiresAt: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly windowSeconds: number,
  ) {}

  clear(): void {
    this.entries.clear();
  }

  replay(key: string): Reply | undefined {
    const hit = this.entries.get(key);
    if (hit === undefined) return undefined;
    if (hit.expiresAt <= this.clock()) {
      this.entries.delete(key);
      return undefined;
    }
    return { ...hit.reply, headers: { ...hit.reply.headers, 'x-idempotent-replayed': 'true' } };
  }

  remember(key: string, reply: Reply): void {
    if (this.entries.size > 10_000) {
      const now = this.clock();
      for (const [k, v] of this.entries) if (v.expiresAt <= now) this.entries.delete(k);
    }
    this.entries.set(key, { reply, expiresAt: this.clock() + this.windowSeconds * 1000 });
  }
}
