import { z } from 'zod';

/** Simple, composable value transforms applied in order. Anything beyond these goes in a user module. */
export const Transform = z.enum([
  'trim',
  'lowercase',
  'uppercase',
  'boolean',
  'number',
  'e164',
  'date',
  'datetime',
  'epoch-seconds',
  'epoch-millis',
  'split-list',
  /** "Given Middle Family" or "Family, Given" → {given, middle, family, display}; map it to `name`. */
  'split-name',
  'empty-as-null',
]);
export type Transform = z.infer<typeof Transform>;

export const FieldSpec = z.union([
  z.string().min(1).describe('a column name or a dotted path into the record'),
  z
    .object({
      from: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
      value: z.unknown().optional().describe('a constant'),
      default: z.unknown().optional().describe('used when the source value is empty'),
      transform: z.union([Transform, z.array(Transform)]).optional(),
      separator: z.string().optional().describe('for split-list'),
      defaultRegion: z.string().length(2).optional().describe('for e164: ISO country of national numbers'),
      format: z.string().optional().describe('for date: e.g. DD.MM.YYYY, MM/DD/YYYY'),
      values: z
        .record(z.string(), z.unknown())
        .optional()
        .describe(
          'translate source values, e.g. {blocked: disabled, "true": disabled}; applied after transforms',
        ),
    })
    .strict(),
]);
export type FieldSpec = z.infer<typeof FieldSpec>;

/** One row format of `mapping.password.formats`: a format name, or a format with its own settings. */
export const RowHashFormat = z.union([
  z.string().min(1),
  z
    .object({
      format: z.string().min(1),
      saltPosition: z.enum(['prefix', 'suffix']).optional(),
      saltEncoding: z.enum(['utf8', 'hex', 'base64']).optional(),
      encoding: z.enum(['hex', 'base64']).optional(),
      iterations: z.number().int().positive().optional(),
    })
    .strict(),
]);
export type RowHashFormat = z.infer<typeof RowHashFormat>;

export const PasswordSpec = z
  .object({
    from: z.string().min(1).describe('the column holding the stored hash'),
    formatFrom: z
      .string()
      .min(1)
      .optional()
      .describe('a column naming each row\'s hash algorithm (e.g. hash_algo); its value picks the format through `formats`'),
    formats: z
      .record(z.string(), RowHashFormat)
      .optional()
      .describe(
        'value of the formatFrom column → format name or {format, saltPosition, saltEncoding, encoding, iterations}, e.g. {"1": md5, "2": {format: sha256, saltPosition: suffix}, bcrypt: auto}',
      ),
    format: z
      .string()
      .default('auto')
      .describe(
        'auto (self-describing formats only) or a format name, e.g. bcrypt, md5, sha256, pbkdf2-sha256',
      ),
    salt: z.string().optional().describe('column holding a separate salt'),
    saltEncoding: z.enum(['utf8', 'hex', 'base64']).default('utf8'),
    saltPosition: z.enum(['prefix', 'suffix']).default('prefix'),
    /** What to do with a stored value no format recognises: reject the user, or import them with a forced reset. */
    unrecognised: z.enum(['reject', 'reset']).default('reject'),
    encoding: z.enum(['hex', 'base64']).default('hex').describe('encoding of a bare digest'),
    /**
     * Whose conventions decide strings that two systems write alike: `kratos` reads
     * `$pbkdf2-sha224$`/`$pbkdf2-sha384$` as SHA3, as Ory Kratos computes them. Set by the kratos source.
     */
    dialect: z.enum(['kratos']).optional(),
    iterations: z.number().int().positive().optional(),
    key: z.string().optional().describe('HMAC key (use ${ENV_VAR})'),
    keyEncoding: z.enum(['utf8', 'hex', 'base64']).default('utf8'),
    /** Firebase project parameters, from the console's password hash parameters. */
    firebase: z
      .object({
        signerKey: z.string(),
        saltSeparator: z.string().default('Bw=='),
        rounds: z.number().int().min(1).max(8),
        memCost: z.number().int().min(1).max(14),
      })
      .strict()
      .optional(),
  })
  .strict();
export type PasswordSpec = z.infer<typeof PasswordSpec>;

export const TotpSpec = z
  .object({
    from: z.string().min(1),
    encoding: z.enum(['auto', 'base32', 'hex', 'otpauth']).default('auto'),
    digits: z.number().int().min(6).max(8).default(6),
    period: z.number().int().positive().default(30),
    algorithm: z.enum(['SHA1', 'SHA256', 'SHA512']).default('SHA1'),
  })
  .strict();
export type TotpSpec = z.infer<typeof TotpSpec>;

export const Mapping = z
  .object({
    /**
     * Canonical User field (dotted, e.g. `name.given`) → where it comes from. `sourceId` must be
     * mapped here or by the source kind's default mapping (checked by `createMapper`, which sees both).
     */
    fields: z.record(z.string(), FieldSpec).default({}),
    /** Custom attributes: attribute name → where it comes from. */
    attributes: z.record(z.string(), FieldSpec).default({}),
    password: PasswordSpec.optional(),
    totp: TotpSpec.optional(),
    /** A TS/JS module whose default export `(user, record) => user | {reject: reason}` runs after the field map. */
    module: z.string().optional(),
    /**
     * An optional field whose value is invalid (a phone outside the numbering plan, a bad birthdate,
     * an attribute that cannot be converted): `drop` migrates the user without it and lists it per
     * user in the plan; `reject` refuses the user. Identifiers (sourceId, email, username) are always strict.
     */
    onInvalidField: z.enum(['drop', 'reject']).default('drop'),
  })
  .strict();
export type Mapping = z.infer<typeof Mapping>;
