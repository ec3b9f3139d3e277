// Credentials: a pre-minted bearer token (it expires: noticed before sending), a worker ID + secret, or an
// identity/ServiceAccount key whose signed assertion (RFC 7523) is exchanged. The last two are exchanged at
// `POST /auth/worker` for a short-lived JWT that is cached, renewed shortly before `exp`, and renewed once
// after a 401.
import type { z } from 'zod';
import {
  SECRET_KEY_AUDIENCE,
  SECRET_KEY_PRIVATE_KEY,
  SECRET_KEY_SUBJECT,
  SECRET_KEY_TOKEN,
  SECRET_KEY_WORKER_ID,
  SECRET_KEY_WORKER_SECRET,
} from '../api/constants.ts';
import { AssertionSigner, CLIENT_ASSERTION_TYPE } from './assertion.ts';
import { AuthenticationFailedError, InvalidCredentialsError } from './errors.ts';
import { describeErrorBody, parseJson, type Transport } from './http.ts';
import { jwtClaimsSchema, workerSessionSchema } from './schemas.ts';

export type Credentials =
  | { kind: 'token'; token: string }
  | { kind: 'worker'; workerID: string; workerSecret: string }
  | { kind: 'key'; privateKey: string; subject?: string; audience?: string };

export const WORKER_AUTH_ROUTE = 'POST /auth/worker';
/** Renew this long before `exp` at most; short-lived tokens renew at 80% of their lifetime. */
const MAX_RENEW_MARGIN_MS = 60_000;
const MAX_CREDENTIAL_BYTES = 64 * 1024;

export interface Authenticator {
  /** The `Authorization` header value to send now. */
  authorization(signal?: AbortSignal): Promise<string>;
  /** Called after a 401: drops the cached credential; true when a fresh one is worth one retry. */
  invalidate(): boolean;
  /** Every secret value that must be scrubbed from messages. */
  secrets(): string[];
  /** When the credential itself stops working (a pre-minted token's `exp`), in ms; undefined = renews. */
  expiresAt?(): number | undefined;
}

const printable = /^[\x21-\x7e]+$/;

/** Checks credential material before it is used (a stray newline in a Secret is a common mistake). */
export function checkCredentials(credentials: Credentials): Credentials {
  if (credentials.kind === 'token') {
    const token = credentials.token.trim();
    if (token === '') throw new InvalidCredentialsError('the ConfigHub token is empty');
    if (/[^\u0000-\u007f]/.test(token))
      throw new InvalidCredentialsError('the ConfigHub token contains non-ASCII characters');
    if (!printable.test(token))
      throw new InvalidCredentialsError('the ConfigHub token contains whitespace or control characters');
    return { kind: 'token', token };
  }
  if (credentials.kind === 'key') {
    const privateKey = credentials.privateKey.trim();
    if (privateKey === '') throw new InvalidCredentialsError('the ConfigHub private key is empty');
    const subject = credentials.subject?.trim() || undefined;
    const audience = credentials.audience?.trim() || undefined;
    // Parsed now so a wrong key is reported as a Secret problem before any request.
    new AssertionSigner(privateKey, { subject, audience });
    return {
      kind: 'key',
      privateKey,
      ...(subject === undefined ? {} : { subject }),
      ...(audience === undefined ? {} : { audience }),
    };
  }
  const workerID = credentials.workerID.trim();
  const workerSecret = credentials.workerSecret.trim();
  if (workerID === '') throw new InvalidCredentialsError('the ConfigHub worker ID is empty');
  if (workerSecret === '') throw new InvalidCredentialsError('the ConfigHub worker secret is empty');
  if (!printable.test(workerID) || !printable.test(workerSecret)) {
    throw new InvalidCredentialsError(
      'the ConfigHub worker ID or secret contains whitespace or control characters',
    );
  }
  return { kind: 'worker', workerID, workerSecret };
}

/**
 * Reads credentials from decoded Secret data: `token`, or `workerID` + `workerSecret`, or `privateKey`
 * (+ optional `subject`, `audience`). Exactly one form must be present.
 */
export function credentialsFromSecretData(data: Record<string, string | Buffer | undefined>): Credentials {
  const read = (key: string): string | undefined => {
    const value = data[key];
    if (value === undefined) return undefined;
    if (value.length > MAX_CREDENTIAL_BYTES) {
      throw new InvalidCredentialsError(`secret key '${key}' is larger than ${MAX_CREDENTIAL_BYTES} bytes`);
    }
    return typeof value === 'string' ? value : value.toString('utf8');
  };
  const token = read(SECRET_KEY_TOKEN);
  const workerID = read(SECRET_KEY_WORKER_ID);
  const workerSecret = read(SECRET_KEY_WORKER_SECRET);
  const privateKey = read(SECRET_KEY_PRIVATE_KEY);
  const hasWorker = workerID !== undefined || workerSecret !== undefined;
  const forms = [token !== undefined, hasWorker, privateKey !== undefined].filter(Boolean).length;
  if (forms > 1) {
    throw new InvalidCredentialsError(
      `secret has more than one of '${SECRET_KEY_TOKEN}', '${SECRET_KEY_WORKER_ID}'/'${SECRET_KEY_WORKER_SECRET}' and '${SECRET_KEY_PRIVATE_KEY}'; set only one form`,
    );
  }
  if (token !== undefined) return checkCredentials({ kind: 'token', token });
  if (privateKey !== undefined) {
    const subject = read(SECRET_KEY_SUBJECT);
    const audience = read(SECRET_KEY_AUDIENCE);
    return checkCredentials({
      kind: 'key',
      privateKey,
      ...(subject === undefined ? {} : { subject }),
      ...(audience === undefined ? {} : { audience }),
    });
  }
  if (workerID === undefined || workerSecret === undefined) {
    throw new InvalidCredentialsError(
      hasWorker
        ? `secret needs both '${SECRET_KEY_WORKER_ID}' and '${SECRET_KEY_WORKER_SECRET}'`
        : `secret has neither '${SECRET_KEY_TOKEN}', nor '${SECRET_KEY_WORKER_ID}' and '${SECRET_KEY_WORKER_SECRET}', nor '${SECRET_KEY_PRIVATE_KEY}'`,
    );
  }
  return checkCredentials({ kind: 'worker', workerID, workerSecret });
}

export class TokenAuthenticator implements Authenticator {
  readonly #token: string;
  readonly #now: () => number;
  readonly #expiresAt: number | undefined;

  constructor(token: string, now: () => number = Date.now) {
    this.#token = token;
    this.#now = now;
    const { exp } = decodeJwtClaims(token);
    this.#expiresAt = exp === undefined ? undefined : exp * 1000;
  }

  /** A user's token is a session JWT with no way to renew it here: past `exp` nothing is sent. */
  async authorization(): Promise<string> {
    if (this.#expiresAt !== undefined && this.#now() >= this.#expiresAt) {
      throw new AuthenticationFailedError(
        `the ConfigHub token expired at ${new Date(this.#expiresAt).toISOString()}: put a new one in the Secret, ` +
          'or use a worker or key credential, which renew themselves',
      );
    }
    return `Bearer ${this.#token}`;
  }

  expiresAt(): number | undefined {
    return this.#expiresAt;
  }

  invalidate(): boolean {
    return false;
  }

  secrets(): string[] {
    return [this.#token];
  }
}

/** Reads `exp`/`iat` from a JWT without verifying it (the server verifies; we only schedule renewal). */
export function decodeJwtClaims(token: string): z.infer<typeof jwtClaimsSchema> {
  const payload = token.split('.')[1];
  if (payload === undefined) return {};
  try {
    const parsed = jwtClaimsSchema.safeParse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

interface Session {
  token: string;
  renewAt: number;
}

/** What is posted to `/auth/worker`, and how the caller is named in a refusal. */
interface Exchange {
  body(now: number): string;
  /** e.g. `worker <id>` or `key <kid>`: never a secret. */
  who: string;
  secrets(): string[];
}

/** Exchanges a credential at `POST /auth/worker` for a session JWT, cached until shortly before `exp`. */
export class SessionAuthenticator implements Authenticator {
  readonly #credential: Exchange;
  readonly #transport: Transport;
  readonly #now: () => number;
  #session: Session | undefined;
  #pending: Promise<Session> | undefined;
  /** Recently issued tokens, kept for scrubbing messages. */
  readonly #issued: string[] = [];

  constructor(credential: Exchange, transport: Transport, now: () => number) {
    this.#credential = credential;
    this.#transport = transport;
    this.#now = now;
  }

  async authorization(signal?: AbortSignal): Promise<string> {
    const session = this.#session;
    if (session !== undefined && this.#now() < session.renewAt) return `Bearer ${session.token}`;
    // One exchange at a time, shared by concurrent requests.
    this.#pending ??= this.#exchange(signal).finally(() => {
      this.#pending = undefined;
    });
    const fresh = await this.#pending;
    return `Bearer ${fresh.token}`;
  }

  invalidate(): boolean {
    this.#session = undefined;
    return true;
  }

  secrets(): string[] {
    return [...this.#credential.secrets(), ...this.#issued];
  }

  async #exchange(signal?: AbortSignal): Promise<Session> {
    const response = await this.#transport.send({
      method: 'POST',
      route: WORKER_AUTH_ROUTE,
      path: '/auth/worker',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: this.#credential.body(this.#now()),
      maxBytes: 1024 * 1024,
      signal,
    });
    if (response.status !== 200) {
      const detail = describeErrorBody(response.body, this.secrets());
      throw new AuthenticationFailedError(
        `${WORKER_AUTH_ROUTE}: ${this.#credential.who} was not accepted (${response.status}${detail === '' ? '' : `: ${detail}`})`,
        { route: WORKER_AUTH_ROUTE, status: response.status },
      );
    }
    const { access_token: token } = parseJson(WORKER_AUTH_ROUTE, response, workerSessionSchema);
    this.#issued.push(token);
    if (this.#issued.length > 4) this.#issued.shift();
    const now = this.#now();
    const { exp } = decodeJwtClaims(token);
    let renewAt = Number.POSITIVE_INFINITY;
    if (exp !== undefined) {
      const expiresAt = exp * 1000;
      const margin = Math.min(MAX_RENEW_MARGIN_MS, Math.max(0, (expiresAt - now) / 5));
      renewAt = expiresAt - margin;
    }
    const session = { token, renewAt };
    this.#session = session;
    return session;
  }
}

export function createAuthenticator(
  credentials: Credentials,
  transport: Transport,
  now: () => number,
): Authenticator {
  const checked = checkCredentials(credentials);
  if (checked.kind === 'token') return new TokenAuthenticator(checked.token, now);
  if (checked.kind === 'worker') {
    const { workerID, workerSecret } = checked;
    return new SessionAuthenticator(
      {
        body: () => JSON.stringify({ worker_id: workerID, worker_secret: workerSecret }),
        who: `worker ${workerID}`,
        secrets: () => [workerSecret],
      },
      transport,
      now,
    );
  }
  const signer = new AssertionSigner(checked.privateKey, checked);
  const recent: string[] = [];
  return new SessionAuthenticator(
    {
      // Field names are RFC 7523's; the server tells the forms apart by which fields are present.
      body: (at) => {
        const assertion = signer.sign(at);
        recent.push(assertion);
        if (recent.length > 4) recent.shift();
        return JSON.stringify({ client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertion });
      },
      // Every refusal is one uniform 401, so the key ID is what tells "not registered" from "bad key".
      who: `key ${signer.kid} of '${signer.subject}'`,
      secrets: () => [checked.privateKey, ...privateMembers(checked.privateKey), ...recent],
    },
    transport,
    now,
  );
}

/** The private member of a JWK on its own, so it is scrubbed even when quoted out of its JSON. */
function privateMembers(jwk: string): string[] {
  try {
    const d: unknown = JSON.parse(jwk).d;
    return typeof d === 'string' && d !== '' ? [d] : [];
  } catch {
    return [];
  }
}
