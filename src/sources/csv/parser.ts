/**
 * An incremental CSV parser (RFC 4180 plus the habits of real exports) that reports a broken row
 * and carries on with the next one. csv-parse drops the rest of a chunk after some errors (a field
 * over its size limit, text after a closing quote), which loses valid rows, so rows are cut here.
 *
 * Memory is bounded: the buffer holds the current record only, and a record that is already
 * rejected is not kept. An unclosed quote is detected after `maxRecordLines` lines or at the end of
 * the input; parsing then restarts on the line after the one where the record began.
 */
export interface CsvRow {
  /** 1-based physical line where the record starts. */
  line: number;
  fields: string[];
  error?: string;
}

export interface CsvParserOptions {
  delimiter: string;
  quote: string;
  maxFieldLength: number;
  /** A quoted field spanning more lines than this is taken as an unclosed quote. */
  maxRecordLines: number;
}

const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
const AFTER_QUOTE = 3;
const SKIP_TO_EOL = 4;
type State = 0 | 1 | 2 | 3 | 4;

const NL = 10;
const CR = 13;

export class CsvParser {
  private buf = '';
  private pos = 0;
  private state: State = FIELD_START;
  private line = 1;
  private recStart = 0;
  private recLine = 1;
  private fieldStart = 0;
  private fields: string[] = [];
  private error: string | undefined;
  /** The record is rejected and its text no longer kept; it cannot be re-read. */
  private dropped = false;
  private quotedNewlines = 0;
  private hasEscapes = false;
  private pending = '';
  private readonly d0: number;
  private readonly q: number;

  constructor(private readonly opts: CsvParserOptions) {
    if (opts.delimiter.length === 0) throw new Error('CSV delimiter must not be empty');
    if (opts.quote.length !== 1) throw new Error('CSV quote must be one character');
    this.d0 = opts.delimiter.charCodeAt(0);
    this.q = opts.quote.charCodeAt(0);
  }

  push(text: string): CsvRow[] {
    const keepFrom = this.dropped || this.state === SKIP_TO_EOL ? this.pos : this.recStart;
    this.buf = this.buf.slice(keepFrom) + text;
    this.pos -= keepFrom;
    this.recStart -= keepFrom;
    this.fieldStart -= keepFrom;
    const out: CsvRow[] = [];
    this.scan(out, false);
    this.checkOpenFieldLength();
    return out;
  }

  end(): CsvRow[] {
    const out: CsvRow[] = [];
    this.scan(out, true);
    return out;
  }

  private scan(out: CsvRow[], eof: boolean): void {
    for (;;) {
      const len = this.buf.length;
      if (this.pos >= len) {
        if (eof) this.finishAtEof(out);
        return;
      }
      if (!this.step(out, eof, len)) {
        // At the end of input a step only waits when it has consumed everything.
        if (eof) this.finishAtEof(out);
        return;
      }
    }
  }

  /** Returns false when more input is needed. */
  private step(out: CsvRow[], eof: boolean, len: number): boolean {
    const buf = this.buf;
    switch (this.state) {
      case FIELD_START:
        this.fieldStart = this.pos;
        if (buf.charCodeAt(this.pos) === this.q) {
          this.state = QUOTED;
          this.pos++;
          this.fieldStart = this.pos;
          this.hasEscapes = false;
          return true;
        }
        this.state = UNQUOTED;
        return true;
      case UNQUOTED: {
        const dlen = this.opts.delimiter.length;
        let i = this.pos;
        let c = 0;
        for (; i < len; i++) {
          c = buf.charCodeAt(i);
          if (c === NL) break;
          if (c === this.d0) {
            if (dlen === 1) break;
            if (i + dlen > len && !eof) {
              this.pos = i;
              return false;
            }
            if (buf.startsWith(this.opts.delimiter, i)) break;
          }
        }
        if (i === len) {
          this.pos = len;
          return false;
        }
        let end = i;
        if (c === NL && end > this.fieldStart && buf.charCodeAt(end - 1) === CR) end--;
        this.endField(buf, this.fieldStart, end);
        if (c === NL) {
          this.pos = i + 1;
          this.line++;
          this.endRecord(out);
        } else {
          this.pos = i + dlen;
          this.state = FIELD_START;
        }
        return true;
      }
      case QUOTED: {
        let i = this.pos;
        for (; i < len; i++) {
          const c = buf.charCodeAt(i);
          if (c === this.q) break;
          if (c === NL) {
            this.line++;
            if (++this.quotedNewlines > this.opts.maxRecordLines) {
              this.pos = i + 1;
              this.unclosedQuote(out);
              return true;
            }
          }
        }
        if (i === len || (i + 1 === len && !eof)) {
          this.pos = i;
          return false;
        }
        if (i + 1 < len && buf.charCodeAt(i + 1) === this.q) {
          this.hasEscapes = true;
          this.pos = i + 2;
          return true;
        }
        if (!this.dropped) {
          this.pending = buf.slice(this.fieldStart, i);
          if (this.hasEscapes)
            this.pending = this.pending.replaceAll(this.opts.quote + this.opts.quote, this.opts.quote);
        }
        this.pos = i + 1;
        this.state = AFTER_QUOTE;
        return true;
      }
      case AFTER_QUOTE: {
        const c = buf.charCodeAt(this.pos);
        const dlen = this.opts.delimiter.length;
        if (c === CR && this.pos + 1 >= len && !eof) return false;
        if (c === NL || (c === CR && (this.pos + 1 >= len || buf.charCodeAt(this.pos + 1) === NL))) {
          this.takePending();
          this.pos += c === NL || this.pos + 1 >= len ? 1 : 2;
          this.line++;
          this.endRecord(out);
          return true;
        }
        if (c === this.d0) {
          if (this.pos + dlen > len && !eof) return false;
          if (buf.startsWith(this.opts.delimiter, this.pos)) {
            this.takePending();
            this.pos += dlen;
            this.state = FIELD_START;
            return true;
          }
        }
        this.setError(`unexpected text after the closing quote of field ${this.fields.length + 1}`);
        this.skipToEol();
        return true;
      }
      case SKIP_TO_EOL: {
        const i = buf.indexOf('\n', this.pos);
        if (i < 0) {
          this.pos = len;
          return false;
        }
        this.pos = i + 1;
        this.line++;
        this.endRecord(out);
        return true;
      }
    }
  }

  private finishAtEof(out: CsvRow[]): void {
    switch (this.state) {
      case FIELD_START:
        if (this.fields.length > 0) {
          this.fields.push('');
          this.endRecord(out);
        }
        return;
      case UNQUOTED: {
        const len = this.buf.length;
        const end = len > this.fieldStart && this.buf.charCodeAt(len - 1) === CR ? len - 1 : len;
        this.endField(this.buf, this.fieldStart, end);
        this.endRecord(out);
        return;
      }
      case QUOTED:
        this.unclosedQuote(out);
        this.scan(out, true);
        return;
      case AFTER_QUOTE:
        this.takePending();
        this.endRecord(out);
        return;
      case SKIP_TO_EOL:
        this.endRecord(out);
        return;
    }
  }

  private unclosedQuote(out: CsvRow[]): void {
    const message = `a quote opened in field ${this.fields.length + 1} is not closed (truncated file or stray quote?)`;
    if (this.dropped) {
      // The record's text is gone, so it cannot be re-read: the lines read so far are lost with it.
      this.setError(message);
      this.endRecord(out);
      return;
    }
    const firstNl = this.buf.indexOf('\n', this.recStart);
    this.error = this.error ?? message;
    this.fields = [];
    if (firstNl < 0 || firstNl >= this.buf.length) {
      this.pos = this.buf.length;
    } else {
      this.pos = firstNl + 1;
      this.line = this.recLine + 1;
    }
    this.endRecord(out);
  }

  private takePending(): void {
    if (!this.dropped) this.pushField(this.pending);
    else this.fields.push('');
    this.pending = '';
  }

  private endField(buf: string, start: number, end: number): void {
    if (this.dropped) {
      this.fields.push('');
      return;
    }
    if (end - start > this.opts.maxFieldLength) {
      this.tooLong();
      this.fields.push('');
      return;
    }
    this.fields.push(buf.slice(start, end));
  }

  private pushField(value: string): void {
    if (value.length > this.opts.maxFieldLength) {
      this.tooLong();
      this.fields.push('');
      return;
    }
    this.fields.push(value);
  }

  private tooLong(): void {
    this.setError(`field ${this.fields.length + 1} is longer than ${this.opts.maxFieldLength} characters`);
    this.dropped = true;
  }

  /** A field still open at the end of a chunk that is already too long is rejected now, not buffered. */
  private checkOpenFieldLength(): void {
    if (this.dropped) return;
    if (
      (this.state === UNQUOTED || this.state === QUOTED) &&
      this.buf.length - this.fieldStart > this.opts.maxFieldLength
    ) {
      this.tooLong();
    }
  }

  private skipToEol(): void {
    this.dropped = true;
    this.state = SKIP_TO_EOL;
  }

  private setError(message: string): void {
    this.error ??= message;
  }

  private endRecord(out: CsvRow[]): void {
    const blank = this.fields.length === 1 && this.fields[0] === '' && this.error === undefined;
    if (!blank) {
      const row: CsvRow = { line: this.recLine, fields: this.fields };
      if (this.error !== undefined) row.error = this.error;
      out.push(row);
    }
    this.fields = [];
    this.error = undefined;
    this.dropped = false;
    this.quotedNewlines = 0;
    this.pending = '';
    this.state = FIELD_START;
    this.recStart = this.pos;
    this.recLine = this.line;
    this.fieldStart = this.pos;
  }
}
