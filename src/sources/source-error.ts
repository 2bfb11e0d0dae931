/**
 * The source cannot be read as configured: a missing file, bytes that do not decode, a structure
 * the reader does not know, no records at all. Fatal — `config check`, `plan` and `run` stop with
 * the message and exit 1 — because reading on would migrate a part of the users without a word.
 */
export class SourceError extends Error {
  constructor(message: string) {
    super(`source: ${message}`);
    this.name = 'SourceError';
  }
}
