// Stand-ins for what client-node's config.js (and its Azure and GCP authenticators) import but most
// kubeconfigs never use: the OIDC authenticator (openid-client, jose), the SOCKS and HTTP proxy agents
// and JSONPath. client-node-slim.ts substitutes them for those imports; each loads the real module
// when a kubeconfig first needs it, and hands over to it.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface User {
  authProvider?: { name?: string } | undefined;
}

interface Authenticator {
  applyAuthentication(user: User, options: unknown): Promise<void>;
}

/** client-node builds one for every KubeConfig; the real one loads only for an `oidc` auth-provider. */
export class OpenIDConnectAuth {
  #real: Promise<Authenticator> | undefined;

  isAuthProvider(user: User): boolean {
    return user.authProvider?.name === 'oidc';
  }

  async applyAuthentication(user: User, options: unknown): Promise<void> {
    this.#real ??= import('@kubernetes/client-node/dist/oidc_auth.js').then(
      (real) => new real.OpenIDConnectAuth() as unknown as Authenticator,
    );
    return (await this.#real).applyAuthentication(user, options);
  }
}

// A cluster's proxy-url is read when its first request is made, synchronously: require() then.
type Constructor = new (...args: unknown[]) => object;
const real = (module: string, name: string) => (require(module) as Record<string, Constructor>)[name]!;

export class SocksProxyAgent {
  constructor(...args: unknown[]) {
    // biome-ignore lint/correctness/noConstructorReturn: the stand-in hands over to the real agent.
    return new (real('socks-proxy-agent', 'SocksProxyAgent'))(...args);
  }
}

export class HttpProxyAgent {
  constructor(...args: unknown[]) {
    // biome-ignore lint/correctness/noConstructorReturn: the stand-in hands over to the real agent.
    return new (real('hpagent', 'HttpProxyAgent'))(...args);
  }
}

export class HttpsProxyAgent {
  constructor(...args: unknown[]) {
    // biome-ignore lint/correctness/noConstructorReturn: the stand-in hands over to the real agent.
    return new (real('hpagent', 'HttpsProxyAgent'))(...args);
  }
}

export const SocksClient = {
  createConnection: (...args: unknown[]): unknown =>
    (
      require('socks') as { SocksClient: { createConnection(...a: unknown[]): unknown } }
    ).SocksClient.createConnection(...args),
};

/** jsonpath-plus's JSONPath as the Azure and GCP authenticators call it: `JSONPath({ path, json })`. */
export function JSONPath(options: unknown): unknown {
  return (require('jsonpath-plus') as { JSONPath(options: unknown): unknown }).JSONPath(options);
}
