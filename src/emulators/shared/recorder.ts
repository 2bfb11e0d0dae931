import { mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** JSON keys whose values are clear-text credentials, never password hashes (those are recorded on purpose). */
const CLEAR_TEXT_KEYS = new Set(['password', 'client_secret', 'clientSecret', 'newPassword', 'old_password', 'confirm_password']);

/**
 * Writes every request body to its own file, numbered in arrival order, in a folder only the owner
 * can read (0700, files 0600). Files hold password hashes by design (rehearsal data only) but never
 * a clear-text credential: the password of a `POST /_emulator/login`, a `password` field of an API
 * body and a token request's `client_secret` are replaced by "[redacted]" before the file is written.
 */
export class Recorder {
  private seq = 0;
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  record(method: string, path: string, body: Buffer, contentType?: string): void {
    this.seq++;
    const slug = path.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 80) || 'root';
    const name = `${String(this.seq).padStart(6, '0')}-${method}-${slug}.body`;
    const p = writeFile(join(this.dir, name), withoutClearTextCredentials(body, contentType), { mode: 0o600 }).catch(() => undefined);
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  async flush(): Promise<void> {
    await Promise.all([...this.pending]);
  }
}

/** The body as recorded: JSON and form bodies lose their clear-text credentials; anything else that names one is not kept. */
export function withoutClearTextCredentials(body: Buffer, contentType = ''): Buffer {
  if (body.length === 0) return body;
  const text = body.toString('utf8');
  if (contentType.includes('x-www-form-urlencoded') || (!/^\s*[[{]/.test(text) && /(^|&)[\w-]+=/.test(text))) {
    const form = new URLSearchParams(text);
    let changed = false;
    for (const key of [...form.keys()]) {
      if (CLEAR_TEXT_KEYS.has(key)) {
        form.set(key, '[redacted]');
        changed = true;
      }
    }
    return changed ? Buffer.from(form.toString()) : body;
  }
  // Bulk bodies are large and almost never carry one: parse only when a clear-text key is named.
  if (!/"(?:password|client_secret|clientSecret|newPassword|old_password|confirm_password)"\s*:/.test(text)) return body;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON, not a form: keep it unless it might carry a credential.
    return /password|secret/i.test(text) ? Buffer.from('[not recorded: an unparsed body that names a password or secret]') : body;
  }
  let changed = false;
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v === null || typeof v !== 'object') return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (CLEAR_TEXT_KEYS.has(k) && typeof x === 'string') {
        out[k] = '[redacted]';
        changed = true;
      } else out[k] = walk(x);
    }
    return out;
  };
  const cleaned = walk(parsed);
  return changed ? Buffer.from(JSON.stringify(cleaned)) : body;
}
