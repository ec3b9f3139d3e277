// Credentials the emulator accepts: static bearer tokens and worker ID/secret pairs exchanged for HS256 JWTs.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
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

  /** `POST /auth/worker`: a session for a known worker, otherwise undefined (the route answers 401). */
  exchange(workerID: string, secret: string): WorkerSession | undefined {
    const worker = this.workers.get(workerID);
    if (worker === undefined || !safeEqual(worker.secret, secret)) return undefined;
    const iat = Math.floor(Date.now() / 1000);
    const exp = iat + this.ttlSeconds;
    const header = base64url({ alg: 'HS256', typ: 'JWT' });
    const payload = base64url({
      iss: this.issuer,
      aud: 'confighub',
      sub: worker.user.id,
      org: this.orgId,
      worker_id: workerID,
      iat,
      exp,
      jti: newUUID(),
    });
    const signature = createHmac('sha256', this.signingKey)
      .update(`${header}.${payload}`)
      .digest('base64url');
    const token = `${header}.${payload}.${signature}`;
    this.issuedTokens.set(token, { user: worker.user, spaces: worker.spaces, expiresAt: exp * 1000 });
    return {
      access_token: token,
      auth_type: 'Bearer',
      organization_id: this.orgId,
      user: { id: worker.user.id, email: worker.user.email, first_name: worker.user.username, last_name: '' },
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
