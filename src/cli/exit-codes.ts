/** The exit codes of DESIGN.md's command-line contract. */
export const EXIT = {
  ok: 0,
  fatal: 1,
  usage: 2,
  /** Finished, but some users are dead-lettered or some records were rejected. */
  partial: 3,
  interrupted: 130,
} as const;
