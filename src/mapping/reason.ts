import type { z } from 'zod';

/**
 * One readable reason from zod issues: `email: not a valid e-mail address`. zod's own messages
 * describe the expectation, not the value, so no PII or secret ends up in a rejects file.
 */
export function issuesToReason(issues: readonly z.core.$ZodIssue[], max = 3): string {
  const parts = issues.slice(0, max).map((issue) => {
    const path = issue.path.map(String).join('.');
    const message =
      issue.code === 'unrecognized_keys' ? `unknown field(s) ${issue.keys.join(', ')}` : issue.message;
    return path === '' ? message : `${path}: ${message}`;
  });
  const more = issues.length > max ? ` (and ${issues.length - max} more)` : '';
  return parts.join('; ') + more;
}
