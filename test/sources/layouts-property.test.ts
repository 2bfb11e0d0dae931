/**
 * Property tests for issue 31's readers: the text decoder (BOMs, UTF-16, gzip), LDIF, Auth0's
 * escaped CSV, Firebase's layouts by column count and the mapped-column check. Each writes what
 * the producing tool would write for arbitrary values and checks the reader gets the values back.
 */
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { Mapping } from '../../src/config/mapping.ts';
import { SourceConfig } from '../../src/config/source.ts';
import { checkMappedColumns } from '../../src/mapping/columns.ts';
import { createSource } from '../../src/sources/index.ts';
import type { RawRecord } from '../../src/model/raw-record.ts';
import { readText, type TextEncoding } from '../../src/sources/text-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'layouts-prop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (content: string | Buffer) => {
  const p = join(dir, `f${n++}`);
  writeFileSync(p, content);
  return p;
};

async function text(path: string, encoding: TextEncoding = 'utf8'): Promise<string> {
  let out = '';
  for await (const t of readText(path, encoding)) out += t;
  return out;
}

async function records(config: Record<string, unknown>): Promise<RawRecord[]> {
  const out: RawRecord[] = [];
  for await (const r of createSource(SourceConfig.parse(config)).read()) out.push(r);
  return out;
}

/** Any text, astral characters and NUL-free. */
const anyText = fc
  .oneof(
    fc.string({ unit: fc.constantFrom('a', 'Z', ' ', '\n', 'é', 'ß', '日', '😀', ',', '"'), minLength: 1, maxLength: 40 }),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }),
  )
  .filter((s) => !s.includes('\0'));

describe('readText', () => {
  it('property: UTF-8 (with or without BOM), UTF-16LE/BE with BOM and gzip all give the text back', async () => {
    await fc.assert(
      fc.asyncProperty(anyText, fc.constantFrom('utf8', 'utf8-bom', 'utf16le', 'utf16be', 'gzip'), async (s, how) => {
        let bytes: Buffer;
        if (how === 'utf8') bytes = Buffer.from(s, 'utf8');
        else if (how === 'utf8-bom') bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(s, 'utf8')]);
        else if (how === 'utf16le') bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(s, 'utf16le')]);
        else if (how === 'utf16be') bytes = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(s, 'utf16le').swap16()]);
        else bytes = gzipSync(Buffer.from(s, 'utf8'));
        expect(await text(file(bytes))).toBe(s);
      }),
      { numRuns: 60 },
    );
  });

  it('property: a byte that cannot start or continue UTF-8 anywhere is a fatal error naming its line', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.string({ unit: fc.constantFrom('a', 'b', 'é'), maxLength: 5 }), { minLength: 1, maxLength: 6 }), fc.nat(), async (lines, at) => {
        const where = at % lines.length;
        const parts = lines.map((l, i) => Buffer.concat([Buffer.from(l), i === where ? Buffer.from([0xff]) : Buffer.alloc(0), Buffer.from('\n')]));
        await expect(text(file(Buffer.concat(parts)))).rejects.toThrow(new RegExp(`line ${where + 1} are not valid UTF-8`));
      }),
      { numRuns: 40 },
    );
  });
});

describe('ldif', () => {
  const value = fc.oneof(
    fc.string({ unit: fc.constantFrom('a', 'B', '1', ' ', '-', '.'), minLength: 1, maxLength: 30 }).filter((s) => !s.startsWith(' ') && !s.endsWith(' ')),
    anyText,
    fc.uint8Array({ minLength: 1, maxLength: 20 }).map((b) => ({ binary: Buffer.from(b) })),
  );
  it('property: entries written as RFC 2849 says (base64 where needed, folded at any width) read back', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(value, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 4 }), fc.integer({ min: 2, max: 80 }), async (entries, width) => {
        const fold = (line: string) => {
          const out = [line.slice(0, width)];
          for (let i = width; i < line.length; i += width - 1) out.push(` ${line.slice(i, i + width - 1)}`);
          return out;
        };
        const safe = (v: string) => /^[\x21-\x39\x3b\x3d-\x7e][\x20-\x7e]*$/.test(v) && !v.endsWith(' ');
        const lines: string[] = ['version: 1', ''];
        entries.forEach((values, i) => {
          lines.push(`dn: uid=u${i},dc=example,dc=org`, 'objectClass: inetOrgPerson', `uid: u${i}`);
          for (const v of values) {
            if (typeof v === 'string') lines.push(...fold(safe(v) ? `description: ${v}` : `description:: ${Buffer.from(v).toString('base64')}`));
            else lines.push(...fold(`jpegPhoto:: ${v.binary.toString('base64')}`));
          }
          lines.push('');
        });
        const got = await records({ kind: 'ldif', path: file(lines.join('\n')), objectClasses: ['inetOrgPerson'], maxLineLength: 1_000_000 });
        expect(got).toHaveLength(entries.length);
        got.forEach((r, i) => {
          const values = entries[i] as typeof entries[number];
          const texts = values.filter((v): v is string => typeof v === 'string');
          const binaries = values.flatMap((v) => (typeof v === 'string' ? [] : [v]));
          const many = (x: unknown) => (x === undefined ? [] : Array.isArray(x) ? x : [x]);
          expect(many(r.data.description)).toEqual(texts);
          // Bytes that happen to be UTF-8 come back as text, as the LDAP source does.
          expect(many(r.data.jpegPhoto)).toEqual(binaries.map((b) => (Buffer.from(b.binary.toString('utf8')).equals(b.binary) ? b.binary.toString('utf8') : b.binary.toString('base64'))));
        });
      }),
      { numRuns: 60 },
    );
  });
});

describe('auth0 CSV export', () => {
  it("property: text escaped as Auth0 does (quoted, `'`-prefixed, quotes doubled) reads back as written", async () => {
    const name = fc.string({ unit: fc.constantFrom('a', 'Z', ' ', ',', '"', "'", 'é', '\n'), minLength: 1, maxLength: 20 });
    await fc.assert(
      fc.asyncProperty(fc.array(name, { minLength: 1, maxLength: 5 }), async (names) => {
        const q = (v: string) => `"'${v.replace(/"/g, '""')}"`;
        const rows = names.map((nm, i) => [q(`auth0|${i}`), q(`u${i}@example.org`), q(nm)].join(','));
        const got = await records({ kind: 'auth0', path: file(['user_id,email,name', ...rows].join('\n')), format: 'csv', maxLineLength: 1_000_000 });
        expect(got.map((r) => (r.data.name as { display?: string } | undefined)?.display)).toEqual(names);
      }),
      { numRuns: 40 },
    );
  });
});

describe('firebase CSV layouts', () => {
  it('property: a row of 26, 27, 28 or 29 fields is read by its layout; any other count is a row reject', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 20, max: 32 }), { minLength: 1, maxLength: 6 }), async (counts) => {
        const rows = counts.map((c, i) => Array.from({ length: c }, (_, k) => (k === 0 ? `id${i}` : k === 1 ? `u${i}@example.org` : '')).join(','));
        const got = await records({ kind: 'firebase', path: file(`${rows.join('\n')}\n`), format: 'csv' });
        got.forEach((r, i) => {
          const c = counts[i] as number;
          if (c >= 26 && c <= 29) expect(r.data).toMatchObject({ sourceId: `id${i}`, email: `u${i}@example.org` });
          else expect(r.error).toMatch(/expected the 26 or 28 columns of firebase auth:export/);
        });
      }),
      { numRuns: 40 },
    );
  });
});

describe('mapped columns against the header', () => {
  it('property: one typo (swap, drop, change) in a mapped column is caught and the column suggested', () => {
    const col = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnop_'.split('')), minLength: 5, maxLength: 14 });
    fc.assert(
      fc.property(fc.uniqueArray(col, { minLength: 1, maxLength: 8 }), fc.nat(), fc.nat(), fc.constantFrom('swap', 'drop', 'change'), (header, which, at, how) => {
        const target = header[which % header.length] as string;
        const i = at % (target.length - 1);
        const typo =
          how === 'swap'
            ? target.slice(0, i) + target[i + 1] + target[i] + target.slice(i + 2)
            : how === 'drop'
              ? target.slice(0, i) + target.slice(i + 1)
              : target.slice(0, i) + (target[i] === 'x' ? 'y' : 'x') + target.slice(i + 1);
        const mapping = Mapping.parse({ fields: { sourceId: typo } });
        if (header.includes(typo)) expect(() => checkMappedColumns(mapping, header)).not.toThrow();
        else expect(() => checkMappedColumns(mapping, header)).toThrow(/did you mean "/);
      }),
      { numRuns: 200 },
    );
  });
});
