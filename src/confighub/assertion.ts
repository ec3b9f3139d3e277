// Signed key assertions (RFC 7523 private_key_jwt) for ConfigHub identity and ServiceAccount keys: the
// controller proves it holds a registered Ed25519 key by signing a short-lived JWT, and `POST /auth/worker`
// exchanges it for a session. Nothing replayable crosses the wire, unlike a worker secret.
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  randomBytes,
  sign,
} from 'node:crypto';
import { z } from 'zod';
import { InvalidCredentialsError } from './errors.ts';

/** Fixed by RFC 7523 §2.2; ConfigHub requires exactly this value. */
export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** ConfigHub's default audience for assertions (servers may be configured with another). */
export const DEFAULT_ASSERTION_AUDIENCE = 'confighub-auth';
/** ConfigHub accepts at most five minutes; two survive a slow round trip and clock skew. */
const ASSERTION_LIFETIME_SECONDS = 120;

/** The private JWK as `cub user key add --generate` writes it (ConfigHub records the identity in it). */
const privateJwkSchema = z.looseObject({
  kty: z.string(),
  crv: z.string().optional(),
  x: z.string().optional(),
  d: z.string().optional(),
  confighub_user_external_id: z.string().optional(),
});

/** RFC 7638 thumbprint of an Ed25519 public key: the `kid` ConfigHub stored the key under. */
export function ed25519Thumbprint(x: string): string {
  // Required members only, in lexicographic order, no whitespace.
  const canonical = JSON.stringify({ crv: 'Ed25519', kty: 'OKP', x });
  return createHash('sha256').update(canonical).digest('base64url');
}

export class AssertionSigner {
  readonly subject: string;
  readonly kid: string;
  readonly audience: string;
  readonly #key: KeyObject;

  /** `jwk` is the private key JSON; `subject` overrides the identity recorded in it. */
  constructor(jwk: string, options: { subject?: string; audience?: string } = {}) {
    let parsed: z.infer<typeof privateJwkSchema>;
    try {
      parsed = privateJwkSchema.parse(JSON.parse(jwk));
    } catch {
      throw new InvalidCredentialsError('the private key is not a JSON Web Key (JWK)');
    }
    if (parsed.kty !== 'OKP' || parsed.crv !== 'Ed25519') {
      // ConfigHub also accepts ES256/RS256 keys, but generates Ed25519 ones; say so rather than fail later.
      throw new InvalidCredentialsError(
        `the private key must be an Ed25519 JWK (kty OKP, crv Ed25519), not kty ${JSON.stringify(parsed.kty)} crv ${JSON.stringify(parsed.crv ?? '')}`,
      );
    }
    if (parsed.d === undefined || parsed.d === '') {
      throw new InvalidCredentialsError('the JWK has no private member "d": this looks like a public key');
    }
    if (Buffer.from(parsed.d, 'base64url').length !== 32) {
      throw new InvalidCredentialsError('the JWK private member "d" must be the 32-byte Ed25519 seed');
    }
    let key: KeyObject;
    try {
      key = createPrivateKey({
        key: { kty: 'OKP', crv: 'Ed25519', d: parsed.d, x: parsed.x ?? '' },
        format: 'jwk',
      });
    } catch {
      throw new InvalidCredentialsError('the JWK is not a valid Ed25519 private key');
    }
    const x = createPublicKey(key).export({ format: 'jwk' }).x!;
    if (parsed.x !== undefined && parsed.x !== x) {
      // A key file that disagrees with itself fails at ConfigHub with the same 401 as a forged one.
      throw new InvalidCredentialsError('the JWK public member "x" does not belong to its private key');
    }
    const subject = options.subject ?? parsed.confighub_user_external_id ?? '';
    if (subject === '') {
      throw new InvalidCredentialsError(
        "no ConfigHub identity for this key: the JWK has no 'confighub_user_external_id' and the Secret no 'subject'",
      );
    }
    this.subject = subject;
    this.audience = options.audience ?? DEFAULT_ASSERTION_AUDIENCE;
    this.kid = ed25519Thumbprint(x);
    this.#key = key;
  }

  /** A fresh assertion valid from `nowMs` for two minutes. */
  sign(nowMs: number): string {
    const iat = Math.floor(nowMs / 1000);
    const header = { alg: 'EdDSA', typ: 'JWT', kid: this.kid };
    const claims = {
      iss: this.subject,
      sub: this.subject,
      aud: this.audience,
      jti: randomBytes(16).toString('base64url'),
      iat,
      exp: iat + ASSERTION_LIFETIME_SECONDS,
    };
    const input = `${b64(header)}.${b64(claims)}`;
    return `${input}.${sign(null, Buffer.from(input), this.#key).toString('base64url')}`;
  }
}

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
