// Bearer-token authentication: each token the server knows stands for one user, as a real cluster's
// token authenticators map a ServiceAccount token to `system:serviceaccount:<ns>:<name>`. The server's
// default token is a cluster admin (group system:masters), so tests that do not ask for RBAC see none.

import type { UserInfo } from './request-info.ts';

export const ADMIN_USER: UserInfo = {
  username: 'kubernetes-admin',
  groups: ['system:masters', 'system:authenticated'],
};

export const serviceAccountUser = (namespace: string, name: string): UserInfo => ({
  username: `system:serviceaccount:${namespace}:${name}`,
  groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
});

export class Authenticator {
  readonly #users = new Map<string, UserInfo>();

  add(token: string, user: UserInfo): void {
    this.#users.set(token, user);
  }

  /** The user a token stands for, from an `Authorization` header; undefined when unknown. */
  fromHeader(header: string | undefined): UserInfo | undefined {
    const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
    return match ? this.#users.get(match[1]!) : undefined;
  }

  userOf(token: string): UserInfo | undefined {
    return this.#users.get(token);
  }

  tokenOf(username: string): string | undefined {
    for (const [token, user] of this.#users) if (user.username === username) return token;
    return undefined;
  }
}
