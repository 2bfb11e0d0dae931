import { request } from 'undici';

export interface LoginAnswer {
  ok: boolean;
  reason?: string;
}

/** Ask the emulator whether a plaintext logs in, with the target's own hash semantics. */
export async function emulatorLogin(baseUrl: string, identifier: string, password: string): Promise<LoginAnswer> {
  const res = await request(`${baseUrl}/_emulator/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ identifier, password }),
  });
  const body = (await res.body.json()) as LoginAnswer;
  return { ok: body.ok === true, ...(body.reason !== undefined ? { reason: body.reason } : {}) };
}

export interface LoginProof {
  tried: number;
  succeeded: number;
  failures: string[];
  wrongPasswordRefused: boolean;
  mustResetReported: boolean | undefined;
}

/** Original plaintexts must log in; a wrong one must not; a user without a password must reset. */
export async function proveLogins(
  baseUrl: string,
  samples: Array<{ identifier: string; password: string }>,
  withoutPassword: string | undefined,
): Promise<LoginProof> {
  const failures: string[] = [];
  let succeeded = 0;
  for (const s of samples) {
    const answer = await emulatorLogin(baseUrl, s.identifier, s.password);
    if (answer.ok) succeeded += 1;
    else failures.push(`${s.identifier}: ${answer.reason ?? 'refused'}`);
  }
  const first = samples[0];
  const wrong = first ? await emulatorLogin(baseUrl, first.identifier, `${first.password}-wrong`) : { ok: false };
  let mustResetReported: boolean | undefined;
  if (withoutPassword !== undefined) {
    const answer = await emulatorLogin(baseUrl, withoutPassword, 'any-password');
    mustResetReported = !answer.ok && /reset/i.test(answer.reason ?? '');
  }
  return { tried: samples.length, succeeded, failures, wrongPasswordRefused: !wrong.ok, mustResetReported };
}
