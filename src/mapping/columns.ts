import type { FieldSpec, Mapping } from '../config/mapping.ts';
import { normaliseSpec } from './fields.ts';

/** Every place a mapping names a column, with where in the config it is named. */
export function mappedColumns(mapping: Mapping): Array<{ where: string; path: string }> {
  const out: Array<{ where: string; path: string }> = [];
  const spec = (where: string, s: FieldSpec) => {
    const from = normaliseSpec(s).from;
    for (const path of from === undefined ? [] : Array.isArray(from) ? from : [from]) out.push({ where, path });
  };
  for (const [target, s] of Object.entries(mapping.fields)) spec(`mapping.fields.${target}`, s);
  for (const [name, s] of Object.entries(mapping.attributes ?? {})) spec(`mapping.attributes.${name}`, s);
  const p = mapping.password;
  if (p) {
    out.push({ where: 'mapping.password.from', path: p.from });
    if (p.salt !== undefined) out.push({ where: 'mapping.password.salt', path: p.salt });
    if (p.formatFrom !== undefined) out.push({ where: 'mapping.password.formatFrom', path: p.formatFrom });
  }
  if (mapping.totp) out.push({ where: 'mapping.totp.from', path: mapping.totp.from });
  return out;
}

/**
 * Checks the mapping against the file's header: a mapped column the file does not have would make
 * every user arrive without that field (a password column: every user forced to reset) with exit 0.
 * `prefix` is where the columns sit in a record (`raw.` for vendor CSVs; paths outside it are the
 * vendor's normalised fields and are not checked). Throws one error naming every missing column.
 */
export function checkMappedColumns(mapping: Mapping, columns: readonly string[], prefix = ''): void {
  const have = new Set(columns);
  const problems: string[] = [];
  for (const { where, path } of mappedColumns(mapping)) {
    if (prefix !== '' && !path.startsWith(prefix)) continue;
    const column = path.slice(prefix.length);
    // An exact column wins (a header may hold dots); otherwise the first segment of a dotted path.
    if (have.has(column) || have.has(column.split('.')[0] ?? '')) continue;
    const near = suggestions(column, columns);
    problems.push(
      `${where}: column "${column}" is not in the file's header${near.length > 0 ? `; did you mean ${near.map((n) => `"${n}"`).join(' or ')}?` : ''}`,
    );
  }
  if (problems.length > 0) {
    const shown = columns.slice(0, 30).join(', ') + (columns.length > 30 ? ', …' : '');
    throw new MappingColumnError(`${problems.join('\n')}\n(the header has ${columns.length} columns: ${shown})`);
  }
}

export class MappingColumnError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MappingColumnError';
  }
}

/** Up to three columns close to `name`: the same ignoring case and separators, or a few edits away. */
function suggestions(name: string, columns: readonly string[]): string[] {
  const fold = (s: string) => s.toLowerCase().replace(/[\s_.:-]/g, '');
  const folded = fold(name);
  const same = columns.filter((c) => fold(c) === folded);
  if (same.length > 0) return same.slice(0, 3);
  const limit = Math.max(2, Math.floor(name.length / 4));
  return columns
    .map((c) => ({ c, d: distance(folded, fold(c)) }))
    .filter((x) => x.d <= limit)
    .sort((a, b) => a.d - b.d)
    .slice(0, 3)
    .map((x) => x.c);
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
export function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 8) return 99;
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 1; j <= b.length; j++) (d[0] as number[])[j] = j;
  for (let i = 1; i <= a.length; i++) {
    const row = d[i] as number[];
    const prev = d[i - 1] as number[];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, ((d[i - 2] as number[])[j - 2] as number) + 1);
      row[j] = v;
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}
