import type { z } from 'zod';

/** Fields whose absence deserves more than "missing": what the field is for. */
const REQUIRED_BECAUSE: Readonly<Record<string, string>> = {
  sourceId: 'the legacy id is required',
};

/** zod v4 spells an absent value `… received undefined` in the message; issues carry no input. */
function isMissing(issue: z.core.$ZodIssue): boolean {
  return issue.code === 'invalid_type' && /\breceived undefined$/.test(issue.message);
}

function describe(issue: z.core.$ZodIssue, path: string): string {
  if (issue.code === 'unrecognized_keys') return `unknown field(s) ${issue.keys.join(', ')}`;
  if (isMissing(issue)) {
    const because = REQUIRED_BECAUSE[path];
    return because === undefined ? 'missing' : `missing (${because})`;
  }
  if (issue.code === 'invalid_type') {
    // "Invalid input: expected string, received number" → "expected string, received number"
    return issue.message.replace(/^Invalid input:\s*/, '');
  }
  return issue.message;
}

/**
 * One readable reason from zod issues: `email: not a valid e-mail address`. zod's own messages
 * describe the expectation, not the value, so no PII or secret ends up in a rejects file.
 */
export function issuesToReason(issues: readonly z.core.$ZodIssue[], max = 3): string {
  const parts = issues.slice(0, max).map((issue) => {
    const path = issue.path.map(String).join('.');
    const message = describe(issue, path);
    return path === '' ? message : `${path}: ${message}`;
  });
  const more = issues.length > max ? ` (and ${issues.length - max} more)` : '';
  return parts.join('; ') + more;
}
