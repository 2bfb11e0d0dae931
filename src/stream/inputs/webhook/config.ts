import { z } from 'zod';
import { DEFAULT_ENVELOPE, EnvelopeConfig } from '../../envelope/config.ts';

export const WebhookInputConfig = z
  .object({
    kind: z.literal('webhook'),
    name: z.string().optional(),
    host: z.string().default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(8088),
    path: z.string().startsWith('/').default('/events'),
    /**
     * Standard Webhooks signing secret, as the reference libraries read it: base64, with or without
     * the `whsec_` prefix, at least 16 bytes once decoded; use ${ENV_VAR}. Several allow rotation.
     */
    secret: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    /**
     * For senders that cannot sign (Debezium Server's HTTP sink, Auth0 Log Streams): the request's
     * `Authorization` header must be `Bearer <token>` (or the token itself); at least 16 characters.
     */
    token: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    toleranceSeconds: z.number().int().positive().default(300),
    /** Largest request body; the server stops reading at this size and answers 413. */
    maxBodyBytes: z.number().int().positive().default(1_048_576),
    /** Connections open at once; more are refused (a slow sender cannot hold them all). */
    maxConnections: z.number().int().positive().default(256),
    /** Time to receive a request's headers, and the whole request; an idle keep-alive connection is closed after `keepAliveTimeoutMs`. */
    headersTimeoutMs: z.number().int().positive().default(10_000),
    requestTimeoutMs: z.number().int().positive().default(30_000),
    keepAliveTimeoutMs: z.number().int().positive().default(5_000),
    envelope: EnvelopeConfig.prefault(DEFAULT_ENVELOPE),
  })
  .strict()
  .refine((c) => (c.secret === undefined) !== (c.token === undefined), {
    message: 'a webhook input needs exactly one of secret (Standard Webhooks signatures) or token (Authorization header); it never runs unauthenticated',
  });
export type WebhookInputConfig = z.output<typeof WebhookInputConfig>;
