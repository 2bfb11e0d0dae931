import { mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Writes every request body to its own file, numbered in arrival order. Files hold password hashes
 * by design (rehearsal data only); nothing else is logged.
 */
export class Recorder {
  private seq = 0;
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  record(method: string, path: string, body: Buffer): void {
    this.seq++;
    const slug = path.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 80) || 'root';
    const name = `${String(this.seq).padStart(6, '0')}-${method}-${slug}.body`;
    const p = writeFile(join(this.dir, name), body).catch(() => undefined);
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  async flush(): Promise<void> {
    await Promise.all([...this.pending]);
  }
}
