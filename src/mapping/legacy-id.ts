/**
 * Checks on a legacy id that would not fail validation but can split or merge users later: the id
 * is what every delta run, retry and sync matches on. NUL is refused (many stores truncate at it);
 * the rest is flagged in the plan so the operator can decide.
 */
export function legacyIdProblem(id: string): { reject?: string; notes: string[] } {
  if (id.includes('\u0000')) return { reject: 'sourceId: the legacy id contains a NUL character', notes: [] };
  const notes: string[] = [];
  if (id !== id.trim()) notes.push('legacy id has leading or trailing spaces');
  // eslint-disable-next-line no-control-regex -- control characters are what is looked for
  if (/[\u0001-\u001f\u007f-\u009f]/.test(id)) notes.push('legacy id contains control characters');
  if (/[\u200b-\u200f\u2060\ufeff\u00ad]/.test(id)) notes.push('legacy id contains invisible characters');
  else if (/[^ -~]/.test(id)) {
    if (id.normalize('NFKC') !== id) notes.push('legacy id is not NFKC-normalised (full-width or compatibility look-alike characters)');
    if (/[a-zA-Z]/.test(id) && /[\u0370-\u03ff\u0400-\u04ff]/.test(id)) notes.push('legacy id mixes Latin letters with Greek or Cyrillic look-alikes');
  }
  return { notes };
}
