import type { LdifSourceConfig } from '../../config/source.ts';
import { readLines } from '../lines.ts';
import type { RawRecord } from '../../model/raw-record.ts';
import type { Source } from '../source.ts';

/**
 * An LDIF file (RFC 2849: `slapcat`, `ldapsearch -LLL`, a directory vendor's export) read into the
 * same records the LDAP source yields: attribute → value, several values as a list, `dn` kept. Folded
 * lines are joined, `attr:: base64` decoded (a `{SCHEME}` password or UTF-8 text stays text, other
 * bytes become base64, as the LDAP source does). Entries whose objectClass is none of
 * `source.objectClasses` (organisational units, groups) are not users and are passed over; a change
 * record (`changetype: modify`) or a `:<` URL value is a reject with its reason.
 */
export class LdifSource implements Source {
  readonly kind = 'ldif';
  readonly stableOrder = true;
  private entries = 0;
  private skipped = new Map<string, number>();

  constructor(
    private readonly config: LdifSourceConfig,
    private readonly path: string,
  ) {}

  async *read(signal?: AbortSignal): AsyncIterable<RawRecord> {
    const wanted = new Set(this.config.objectClasses.map((c) => c.toLowerCase()));
    this.entries = 0;
    this.skipped.clear();
    let lines: Array<{ n: number; text: string }> = [];
    const flush = (): RawRecord | undefined => {
      const entry = lines;
      lines = [];
      if (entry.length === 0) return undefined;
      const r = parseEntry(entry);
      if (r === 'version') return undefined;
      this.entries++;
      if (r.error !== undefined) return r;
      const classes = [r.data.objectClass ?? r.data.objectclass].flat().map((c) => String(c).toLowerCase());
      if (!classes.some((c) => wanted.has(c))) {
        const key = classes.join('+') || '(none)';
        this.skipped.set(key, (this.skipped.get(key) ?? 0) + 1);
        return undefined;
      }
      return r;
    };
    for await (const line of readLines(this.path, this.config.maxLineLength)) {
      if (signal?.aborted) return;
      if (line.tooLong) {
        lines = [];
        yield { position: `line ${line.number}`, data: {}, error: `line is longer than ${this.config.maxLineLength} characters` };
        continue;
      }
      if (line.text === '') {
        const r = flush();
        if (r) yield r;
        continue;
      }
      // A line starting with one space continues the previous one.
      const last = lines[lines.length - 1];
      if (line.text.startsWith(' ') && last) last.text += line.text.slice(1);
      else lines.push({ n: line.number, text: line.text });
    }
    const r = flush();
    if (r) yield r;
  }

  explainEmpty(): string {
    const skipped = [...this.skipped].map(([c, n]) => `${n} ${c}`).join(', ');
    if (this.entries === 0) return `${this.path} holds no LDIF entries`;
    return `${this.path} has ${this.entries} entries, none with an objectClass in source.objectClasses (${this.config.objectClasses.join(', ')}); found ${skipped}`;
  }
}

function parseEntry(lines: Array<{ n: number; text: string }>): RawRecord | 'version' {
  const content = lines.filter((l) => !l.text.startsWith('#'));
  if (content.length === 0) return 'version';
  const first = content[0] as { n: number; text: string };
  const position = `line ${first.n}`;
  if (content.length === 1 && /^version:\s*\d+$/i.test(first.text)) return 'version';
  const data: Record<string, unknown> = {};
  for (const { text } of content) {
    if (/^version:\s*\d+$/i.test(text) && Object.keys(data).length === 0) continue;
    const m = /^([A-Za-z0-9][A-Za-z0-9;=.-]*)(::?|:<)\s?(.*)$/.exec(text);
    if (!m) return { position, data: {}, error: 'not an LDIF attribute line (attribute: value)' };
    const name = (m[1] as string).split(';')[0] as string; // options such as ;binary are dropped
    const kind = m[2];
    const raw = m[3] ?? '';
    if (kind === ':<') return { position, data: {}, error: `attribute ${name} refers to a URL (:<), which is not read` };
    const value = kind === '::' ? decoded(raw) : raw;
    if (name.toLowerCase() === 'changetype' && value.toLowerCase() !== 'add') {
      return { position, data: {}, error: `LDIF change record (changetype: ${value.slice(0, 20)}), not an entry` };
    }
    if (name.toLowerCase() === 'changetype') continue;
    const key = name === 'dn' ? 'dn' : name;
    const prev = data[key];
    data[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  if (typeof data.dn !== 'string') return { position, data: {}, error: 'entry without a dn' };
  return { position: `dn=${data.dn}`, data };
}

/** `attr:: base64`: text when it is a `{SCHEME}` password or valid UTF-8, base64 otherwise. */
function decoded(b64: string): string {
  const bytes = Buffer.from(b64.replace(/\s+/g, ''), 'base64');
  const text = bytes.toString('utf8');
  return /^\{[A-Za-z0-9-]+\}/.test(text) || Buffer.from(text, 'utf8').equals(bytes) ? text : bytes.toString('base64');
}
