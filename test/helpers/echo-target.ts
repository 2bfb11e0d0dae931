/**
 * A hostile target for the redaction tests: it answers every API call with an error whose text is
 * the whole request (method, path, every header, the body), and its token endpoint can echo the
 * token request (client_secret included) in `error_description`. The shapes are the vendors' own
 * error bodies (cidaas `{error: …}`, contracts/cidaas.md §2; Cloudentity `{error, error_code}`,
 * contracts/cloudentity.md §6), so the adapters read the echo as the vendor's reason.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type TokenMode =
  /** Issue tokens. */
  | 'ok'
  /** 401 with the request echoed in error_description. */
  | 'echo-401'
  /** 404 for the token path (a wrong base path). */
  | 'not-found';

export interface EchoTarget {
  url: string;
  /** Status of every non-token answer: 400 makes users dead letters, 500 keeps them retrying. */
  status: number;
  /**
   * `echo`: the error text is the whole request; `conflict`: "identifier <the body's first e-mail>
   * already exists", as vendors word a duplicate (one cause, a different text per user).
   */
  errorText: 'echo' | 'conflict';
  tokenMode: TokenMode;
  /** The next N token requests answer 503 (with the request echoed) before `tokenMode` applies. */
  failTokens: number;
  /** Tokens handed out, to scan outputs for. */
  readonly tokens: string[];
  requests: number;
  tokenRequests: number;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startEchoTarget(): Promise<EchoTarget> {
  const holder: { server?: Server } = {};
  const state: EchoTarget = {
    url: '',
    status: 400,
    errorText: 'echo',
    tokenMode: 'ok',
    failTokens: 0,
    tokens: [],
    requests: 0,
    tokenRequests: 0,
    close: () =>
      new Promise<void>((resolve) => {
        holder.server?.closeAllConnections();
        if (holder.server) holder.server.close(() => resolve());
        else resolve();
      }),
  };
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const echo = `echo of ${req.method} ${req.url} headers=${JSON.stringify(req.headers)} body=${body}`;
      const send = (status: number, payload: unknown): void => {
        const text = JSON.stringify(payload);
        res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
      };
      if (/token/.test(req.url ?? '')) {
        state.tokenRequests++;
        if (state.failTokens > 0) {
          state.failTokens--;
          return send(503, { error: 'temporarily_unavailable', error_description: echo });
        }
        // The form first, as an identity server that quotes the request it refused would.
        const quoted = `client authentication failed for request ${body} (${req.method} ${req.url})`;
        if (state.tokenMode === 'not-found') return send(404, { error: 'not_found', error_description: quoted });
        if (state.tokenMode === 'echo-401') return send(401, { error: 'invalid_client', error_description: quoted });
        // JWT-shaped, as cidaas's are, so that both the registry and the JWT rule are exercised.
        const token = `eyJhbGciOiJSUzI1NiJ9.${randomBytes(24).toString('base64url')}.${randomBytes(32).toString('base64url')}`;
        state.tokens.push(token);
        return send(200, { access_token: token, token_type: 'Bearer', expires_in: 3600 });
      }
      state.requests++;
      const text = state.errorText === 'echo' ? echo : `identifier ${/[\w.+-]+@[\w.-]+/.exec(body)?.[0] ?? 'unknown'} already exists`;
      send(state.status, { success: false, status: state.status, error: text, error_code: 'ECHO' });
    })().catch(() => res.destroy());
  });
  holder.server = server;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}
