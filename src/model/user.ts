import { z } from 'zod';
import { MfaFactor } from './mfa.ts';
import { UserPassword } from './password-hash.ts';

export const E164 = /^\+[1-9]\d{6,14}$/;

export const UserStatus = z.enum(['active', 'disabled', 'pending', 'deleted']);
export type UserStatus = z.infer<typeof UserStatus>;

export const UserName = z
  .object({
    given: z.string().optional(),
    family: z.string().optional(),
    middle: z.string().optional(),
    nickname: z.string().optional(),
    display: z.string().optional(),
  })
  .strict();

export const Address = z
  .object({
    formatted: z.string().optional(),
    street: z.string().optional(),
    locality: z.string().optional(),
    region: z.string().optional(),
    postalCode: z.string().optional(),
    /** ISO 3166-1 alpha-2 where the source has it. */
    country: z.string().optional(),
  })
  .strict();

export const Identity = z
  .object({
    /** Social / federated provider name as the target knows it, e.g. `google`, `facebook`. */
    provider: z.string().min(1),
    providerUserId: z.string().min(1),
  })
  .strict();
export type Identity = z.infer<typeof Identity>;

const isoDate = z.iso.datetime({ offset: true });
const AttributeValue = z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.string())]);

/** The one shape between sources and targets. Matching is on `sourceId`, never on email. */
export const User = z
  .object({
    sourceId: z.string().min(1, 'sourceId (the legacy id) is required'),
    status: UserStatus.default('active'),
    email: z.email('not a valid e-mail address').optional(),
    emailVerified: z.boolean().optional(),
    phone: z.string().regex(E164, 'phone must be E.164, e.g. +4917612345678').optional(),
    phoneVerified: z.boolean().optional(),
    username: z.string().min(1).optional(),
    name: UserName.optional(),
    locale: z.string().optional(),
    zoneinfo: z.string().optional(),
    birthdate: z.iso.date('birthdate must be YYYY-MM-DD').optional(),
    gender: z.string().optional(),
    picture: z.string().optional(),
    address: Address.optional(),
    password: UserPassword.optional(),
    mfa: z.array(MfaFactor).default([]),
    identities: z.array(Identity).default([]),
    groups: z.array(z.string().min(1)).default([]),
    roles: z.array(z.string().min(1)).default([]),
    attributes: z.record(z.string(), AttributeValue).default({}),
    createdAt: isoDate.optional(),
    updatedAt: isoDate.optional(),
    lastLoginAt: isoDate.optional(),
  })
  .strict()
  .refine((u) => u.email !== undefined || u.phone !== undefined || u.username !== undefined || u.identities.length > 0, {
    message: 'a user needs at least one identifier: email, phone, username or a social identity',
    path: ['email'],
  });
export type User = z.infer<typeof User>;
/** What a mapping produces before defaults are applied. */
export type UserInput = z.input<typeof User>;
