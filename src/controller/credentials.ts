// Reads the ConfigHub credentials (and optional TLS material) a ConfigHubRepository references.
// Secrets are read on demand, never cached or watched, as Flux's controllers do.
import { X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { Reason } from '../api/conditions.ts';
import { SECRET_KEY_CA, SECRET_KEY_TLS_CERT, SECRET_KEY_TLS_KEY } from '../api/constants.ts';
import type { RepositorySpec } from '../api/v1beta1.ts';
import { type Credentials, credentialsFromSecretData, InvalidCredentialsError } from '../confighub/index.ts';
import type { KubeObject, KubeObjectApi } from '../kube/client.ts';
import { isNotFound, KubeApiError } from '../kube/errors.ts';
import { resources } from '../kube/resources.ts';
import { StalledError, TransientError } from './errors.ts';

export interface ResolvedCredentials {
  credentials: Credentials;
  tls: { ca?: string; cert?: string; key?: string } | undefined;
  /** Changes whenever either Secret changes, so cached clients are rebuilt. */
  version: string;
}

type SecretObject = KubeObject & { data?: Record<string, string> };

export async function resolveCredentials(
  kube: KubeObjectApi,
  namespace: string,
  spec: RepositorySpec,
  requeueDependencyMs: number,
): Promise<ResolvedCredentials> {
  for (const ref of [spec.secretRef, spec.certSecretRef]) {
    if (ref?.namespace !== undefined && ref.namespace !== namespace) {
      throw new StalledError(
        Reason.CrossNamespaceRefNotAllowed,
        `cross-namespace references are not allowed: Secret '${ref.namespace}/${ref.name}' is not in namespace '${namespace}'`,
      );
    }
  }
  const secret = await readSecret(kube, namespace, spec.secretRef.name, requeueDependencyMs);
  let credentials: Credentials;
  try {
    credentials = credentialsFromSecretData(decode(secret.data));
  } catch (error) {
    if (error instanceof InvalidCredentialsError) {
      throw new StalledError(
        Reason.InvalidSecret,
        `invalid Secret '${spec.secretRef.name}': ${error.message}`,
      );
    }
    throw error;
  }
  let tls: ResolvedCredentials['tls'];
  let version = `${secret.metadata.uid}/${secret.metadata.resourceVersion}`;
  if (spec.certSecretRef !== undefined) {
    const certSecret = await readSecret(kube, namespace, spec.certSecretRef.name, requeueDependencyMs);
    const data = decode(certSecret.data);
    const text = (key: string) => data[key]?.toString('utf8');
    tls = { ca: text(SECRET_KEY_CA), cert: text(SECRET_KEY_TLS_CERT), key: text(SECRET_KEY_TLS_KEY) };
    if (tls.ca === undefined && tls.cert === undefined) {
      throw new StalledError(
        Reason.InvalidSecret,
        `invalid Secret '${spec.certSecretRef.name}': it has neither '${SECRET_KEY_CA}' nor '${SECRET_KEY_TLS_CERT}'`,
      );
    }
    if ((tls.cert === undefined) !== (tls.key === undefined)) {
      throw new StalledError(
        Reason.InvalidSecret,
        `invalid Secret '${spec.certSecretRef.name}': '${SECRET_KEY_TLS_CERT}' and '${SECRET_KEY_TLS_KEY}' must be set together`,
      );
    }
    const tlsProblem = tlsMaterialProblem(tls);
    if (tlsProblem !== undefined) {
      throw new StalledError(
        Reason.InvalidSecret,
        `invalid Secret '${spec.certSecretRef.name}': ${tlsProblem}`,
      );
    }
    version += `,${certSecret.metadata.uid}/${certSecret.metadata.resourceVersion}`;
  }
  return { credentials, tls, version };
}

async function readSecret(
  kube: KubeObjectApi,
  namespace: string,
  name: string,
  requeueDependencyMs: number,
): Promise<SecretObject> {
  try {
    return await kube.get<SecretObject>(resources.secret, namespace, name);
  } catch (error) {
    if (isNotFound(error)) {
      // GitOps often applies the Secret after the object that needs it: retry rather than stall.
      throw new TransientError(
        'FetchFailed',
        Reason.SecretNotFound,
        `Secret '${namespace}/${name}' not found`,
        requeueDependencyMs,
      );
    }
    const detail = error instanceof KubeApiError ? `${error.code} ${error.reason}` : 'request failed';
    throw new TransientError(
      'FetchFailed',
      Reason.SecretNotFound,
      `unable to read Secret '${name}': ${detail}`,
    );
  }
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * Checks TLS material before use: a bad CA would otherwise fail every connection with raw OpenSSL text,
 * retried forever. Messages name the key, never the library's text or the material.
 */
function tlsMaterialProblem(tls: NonNullable<ResolvedCredentials['tls']>): string | undefined {
  if (tls.ca !== undefined) {
    const blocks = tls.ca.match(PEM_CERTIFICATE) ?? [];
    if (blocks.length === 0) return `'${SECRET_KEY_CA}' holds no PEM certificate`;
    for (const [i, block] of blocks.entries()) {
      try {
        new X509Certificate(block);
      } catch {
        return `'${SECRET_KEY_CA}' certificate ${i + 1} of ${blocks.length} cannot be parsed`;
      }
    }
  }
  if (tls.cert !== undefined && tls.key !== undefined) {
    try {
      createSecureContext({ cert: tls.cert, key: tls.key });
    } catch {
      return `'${SECRET_KEY_TLS_CERT}' and '${SECRET_KEY_TLS_KEY}' are not a matching PEM certificate and key`;
    }
  }
  return undefined;
}

function decode(data: Record<string, string> | undefined): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const [key, value] of Object.entries(data ?? {})) out[key] = Buffer.from(value, 'base64');
  return out;
}
