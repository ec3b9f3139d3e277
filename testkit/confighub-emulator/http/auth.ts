// Credentials the emulator accepts: static bearer tokens, and worker ID/secret pairs or signed key
// assertions (RFC 7523, Ed25519) exchanged for HS256 JWTs.
import {
  createHash,
  createHmac,
  createPublicKey,
  type KeyObject,
  randomBytes,
  timingSafeEqual,
  verify,
} from 'node:crypto';
import { newUUID, stableUUID } from '../model/ids.ts';
import type { User } from '../model/store.ts';
import { unauthorized } from './errors.ts';

/** Who is calling and which spaces (slugs or IDs) they may see; `null` = every space. */
export interface Principal {
  token: string;
  user: User;
  spaces: readonly string[] | null;
}

interface TokenGrant {
  user: User;
  spaces: readonly string[] | null;
  /** Epoch milliseconds; undefined = never. */
  expiresAt?: number;
}

interface Worker {
  secret: string;
  user: User;
  spaces: readonly string[] | null;
}

/** The `/auth/worker` reply as ConfigHub's SDK reads it (`cubapi.AuthSession`): no lifetime field. */
interface IdentityKey {
  publicKey: KeyObject;
  /** The identity's external ID: assertions must name it as both `iss` and `sub`. */
  subject: string;
  user: User;
  spaces: readonly string[] | null;
}

/** ConfigHub bounds assertion lifetimes at five minutes and pins them to this audience by default. */
const MAX_ASSERTION_LIFETIME_SECONDS = 300;
export const ASSERTION_AUDIENCE = 'confighub-auth';
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

function parseSegment(segment: string | undefined): Record<string, unknown> | undefined {
  if (segment === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** RFC 7638 thumbprint of an Ed25519 key, the `kid` keys are registered under. */
export function thumbprint(x: string): string {
  return createHash('sha256')
    .update(JSON.stringify({ crv: 'Ed25519', kty: 'OKP', x }))
    .digest('base64url');
}

export interface WorkerSession {
  access_token: string;
  auth_type: 'Bearer';
  organization_id: string;
  user: { id: string; email: string; first_name: string; last_name: string; external_id?: string };
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class Credentials {
  private readonly staticTokens = new Map<string, TokenGrant>();
  private readonly issuedTokens = new Map<string, TokenGrant>();
  private readonly workers = new Map<string, Worker>();
  private readonly keys = new Map<string, IdentityKey>();
  /** Assertion IDs already exchanged: an assertion is good once. */
  private readonly usedAssertions = new Set<string>();
  private readonly signingKey = randomBytes(32);
  private readonly orgId: string;
  private readonly ttlSeconds: number;
  /** Set once the server listens: the `iss` of issued tokens. */
  issuer = '';

  constructor(orgId: string, ttlSeconds: number) {
    this.orgId = orgId;
    this.ttlSeconds = ttlSeconds;
  }

  addToken(token: string, user: User, options: { spaces?: readonly string[]; expiresAt?: Date } = {}): void {
    const grant: TokenGrant = { user, spaces: options.spaces ?? null };
    if (options.expiresAt !== undefined) grant.expiresAt = options.expiresAt.getTime();
    this.staticTokens.set(token, grant);
  }

  addWorker(workerID: string, secret: string, user: User | undefined, spaces?: readonly string[]): void {
    const bot: User = user ?? {
      id: stableUUID(`worker-user/${workerID}`),
      username: `worker-${workerID.slice(0, 8)}`,
      email: `worker-${workerID.slice(0, 8)}@bots.confighub.invalid`,
    };
    this.workers.set(workerID, { secret, user: bot, spaces: spaces ?? null });
  }

  /** Registers the public half of an identity or ServiceAccount key; returns its `kid`. */
  addKey(publicJwk: { x: string }, subject: string, spaces?: readonly string[]): string {
    const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: publicJwk.x }, format: 'jwk' });
    const kid = thumbprint(publicJwk.x);
    const user: User = {
      id: stableUUID(`key-user/${subject}`),
      username: subject,
      email: `${subject}@service-accounts.confighub.invalid`,
    };
    this.keys.set(kid, { publicKey, subject, user, spaces: spaces ?? null });
    return kid;
  }

  /** `POST /auth/worker`: a session for a known worker, otherwise undefined (the route answers 401). */
  exchange(workerID: string, secret: string): WorkerSession | undefined {
    const worker = this.workers.get(workerID);
    if (worker === undefined || !safeEqual(worker.secret, secret)) return undefined;
    return this.issue(worker.user, worker.spaces, { worker_id: workerID });
  }

  /**
   * `POST /auth/worker` with a key assertion: the signature must verify against a registered key named by
   * `kid`, `iss` = `sub` = its identity, `aud` the expected audience, unexpired, at most five minutes long,
   * never seen before. Any failure is undefined (one uniform 401, as ConfigHub answers).
   */
  exchangeAssertion(type: unknown, assertion: string): WorkerSession | undefined {
    if (type !== ASSERTION_TYPE) return undefined;
    const [h, p, sig, extra] = assertion.split('.');
    if (h === undefined || p === undefined || sig === undefined || extra !== undefined) return undefined;
    const header = parseSegment(h);
    const claims = parseSegment(p);
    if (header?.['alg'] !== 'EdDSA' || typeof header['kid'] !== 'string' || claims === undefined)
      return undefined;
    const key = this.keys.get(header['kid']);
    if (key === undefined) return undefined;
    if (!verify(null, Buffer.from(`${h}.${p}`), key.publicKey, Buffer.from(sig, 'base64url')))
      return undefined;
    const now = Date.now() / 1000;
    const { iss, sub, aud, exp, iat, jti } = claims;
    if (iss !== key.subject || sub !== key.subject || aud !== ASSERTION_AUDIENCE) return undefined;
    if (typeof exp !== 'number' || typeof iat !== 'number' || typeof jti !== 'string') return undefined;
    if (exp <= now || exp - iat > MAX_ASSERTION_LIFETIME_SECONDS || iat > now + 60) return undefined;
    if (this.usedAssertions.has(jti)) return undefined;
    this.usedAssertions.add(jti);
    return this.issue(key.user, key.spaces, {});
  }

  private issue(user: User, spaces: readonly string[] | null, extra: Record<string, string>): WorkerSession {
    const iat = Math.floor(Date.now() / 1000);
    const exp = iat + this.ttlSeconds;
    const header = base64url({ alg: 'HS256', typ: 'JWT' });
    const payload = base64url({
      iss: this.issuer,
      aud: 'confighub',
      sub: user.id,
      org: this.orgId,
      ...extra,
      iat,
      exp,
      jti: newUUID(),
    });
    const signature = createHmac('sha256', this.signingKey)
      .update(`${header}.${payload}`)
      .digest('base64url');
    const token = `${header}.${payload}.${signature}`;
    this.issuedTokens.set(token, { user, spaces, expiresAt: exp * 1000 });
    return {
      access_token: token,
      auth_type: 'Bearer',
      organization_id: this.orgId,
      user: { id: user.id, email: user.email, first_name: user.username, last_name: '' },
    };
  }

  /** Resolves an `Authorization` header; throws a 401 HttpError that never quotes the credential. */
  authenticate(header: string | undefined): Principal {
    if (header === undefined || header === '') throw unauthorized('missing Authorization header');
    const match = /^Bearer +(\S+)\s*$/i.exec(header);
    if (match === null) throw unauthorized('Authorization header must use the Bearer scheme');
    const token = match[1]!;
    const grant = this.staticTokens.get(token) ?? this.issuedTokens.get(token);
    if (grant === undefined) throw unauthorized('invalid or expired token');
    if (grant.expiresAt !== undefined && Date.now() >= grant.expiresAt)
      throw unauthorized('invalid or expired token');
    return { token, user: grant.user, spaces: grant.spaces };
  }

  /** The bearer token in a header, if any (for faults that expire the caller's token). */
  static bearer(header: string | undefined): string | undefined {
    return header === undefined ? undefined : /^Bearer +(\S+)\s*$/i.exec(header)?.[1];
  }

  expire(token: string): void {
    this.staticTokens.delete(token);
    this.issuedTokens.delete(token);
  }

  expireAll(): void {
    this.staticTokens.clear();
    this.issuedTokens.clear();
  }
}
