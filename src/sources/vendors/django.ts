import type { DjangoSourceConfig } from '../../config/source.ts';
import { normalisedPreset, type NormalisedRecord } from '../../mapping/presets/normalised.ts';
import { SideTable } from '../side-table.ts';
import type { RawRecord } from '../../model/raw-record.ts';
import type { Source } from '../source.ts';
import { jsonItems } from './json-items.ts';
import { arr, bool, compact, obj, str, type Obj } from './util.ts';

/**
 * A Django `dumpdata` fixture (`manage.py dumpdata auth.user auth.group`, `--format json` or
 * `jsonl`, with or without `--natural-foreign`/`--natural-primary`): a list of
 * `{"model": "auth.user", "pk": 1, "fields": {…}}`. Users are the objects of `source.model`
 * (`auth.user`, or a custom user model such as `accounts.user`); group ids are resolved through the
 * fixture's `auth.group` objects. Passwords are Django's hasher strings; `!…` is Django's unusable
 * password (no password was ever set, or it was disabled) and migrates as a reset, noted.
 */
export class DjangoSource implements Source {
  readonly kind = 'django';
  readonly stableOrder = true;
  readonly defaultMapping = normalisedPreset({});
  private models = new Map<string, number>();

  constructor(
    private readonly config: DjangoSourceConfig,
    private readonly path: string,
  ) {}

  async *read(signal?: AbortSignal): AsyncIterable<RawRecord> {
    const model = this.config.model.toLowerCase();
    const groups = new SideTable();
    this.models.clear();
    try {
      for await (const r of jsonItems(this.path, 'objects', this.config.maxLineLength, signal)) {
        if (r.error !== undefined || str(r.data.model)?.toLowerCase() !== 'auth.group') continue;
        const name = str(obj(r.data.fields)?.name);
        if (name !== undefined && r.data.pk !== undefined) groups.add('group', String(r.data.pk), name);
      }
      groups.seal();
      for await (const r of jsonItems(this.path, 'objects', this.config.maxLineLength, signal)) {
        if (r.error !== undefined) {
          yield r;
          continue;
        }
        const m = str(r.data.model)?.toLowerCase() ?? '(no model)';
        this.models.set(m, (this.models.get(m) ?? 0) + 1);
        if (m !== model) continue;
        const user = normalise(r.data, groups);
        if ('error' in user) yield { position: r.position, data: {}, error: user.error };
        else yield { position: r.position, data: user.record as unknown as Obj, ...(user.notes.length > 0 ? { notes: user.notes } : {}) };
      }
    } finally {
      groups.close();
    }
  }

  explainEmpty(): string {
    const found = [...this.models].map(([m, n]) => `${m} (${n})`).join(', ');
    return `${this.path} has no "${this.config.model}" objects${found ? `; it holds ${found}: set source.model to the user model` : ''}`;
  }
}

function normalise(o: Obj, groups: SideTable): { record: NormalisedRecord; notes: string[] } | { error: string } {
  const f = obj(o.fields) ?? {};
  // With --natural-primary a user has no pk: its natural key, the username, identifies it.
  const id = o.pk !== undefined && o.pk !== null ? String(o.pk as string | number) : str(f.username);
  if (!id) return { error: 'object without pk or username' };
  const notes: string[] = [];
  let password = str(f.password);
  if (password?.startsWith('!')) {
    notes.push("Django unusable password ('!…'): must reset");
    password = undefined;
  }
  const names = arr(f.groups).flatMap((g): string[] => {
    // --natural-foreign writes ["name"]; otherwise the group's pk.
    if (Array.isArray(g)) return typeof g[0] === 'string' ? [g[0]] : [];
    const name = groups.get('group', String(g as string | number))[0];
    if (typeof name === 'string') return [name];
    notes.push(`Django group ${String(g as string | number).slice(0, 20)} is not in the fixture (dump auth.group too): not carried over`);
    return [];
  });
  const roles = [bool(f.is_superuser) ? 'superuser' : undefined, bool(f.is_staff) ? 'staff' : undefined].filter((r): r is string => r !== undefined);
  const record = compact<NormalisedRecord>({
    sourceId: id,
    status: bool(f.is_active) === false ? 'disabled' : 'active',
    email: str(f.email),
    username: str(f.username),
    name: compact({ given: str(f.first_name), family: str(f.last_name) }),
    createdAt: str(f.date_joined),
    lastLoginAt: str(f.last_login),
    password,
    groups: names,
    roles,
    raw: o,
  });
  return { record, notes };
}
