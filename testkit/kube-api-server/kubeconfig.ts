// Kubeconfigs pointing at the server: an object for client-node, YAML for kubectl.

import { stringify } from 'yaml';

export const CONTEXT_NAME = 'kube-api-server';

/** Shape accepted by client-node's `KubeConfig.loadFromOptions`. */
export interface KubeConfigOptions {
  clusters: { name: string; server: string; skipTLSVerify: boolean }[];
  users: { name: string; token: string }[];
  contexts: { name: string; cluster: string; user: string; namespace: string }[];
  currentContext: string;
}

export const kubeConfigOptions = (url: string, token: string, namespace = 'default'): KubeConfigOptions => ({
  // client-node refuses plain http:// servers unless TLS verification is explicitly off.
  clusters: [{ name: CONTEXT_NAME, server: url, skipTLSVerify: true }],
  users: [{ name: CONTEXT_NAME, token }],
  contexts: [{ name: CONTEXT_NAME, cluster: CONTEXT_NAME, user: CONTEXT_NAME, namespace }],
  currentContext: CONTEXT_NAME,
});

/**
 * With `as`, the kubeconfig names its user by impersonation instead of a token: kubectl sends no bearer
 * token over plain http, and the server lets a request without credentials (the admin) impersonate.
 * client-node honours `as` too, so both act as that user.
 */
export const kubeConfigYaml = (
  url: string,
  token: string,
  namespace = 'default',
  as?: { username: string; groups: string[] },
): string =>
  stringify({
    apiVersion: 'v1',
    kind: 'Config',
    // As above: client-node (the controller's --kubeconfig) refuses http:// without this; kubectl ignores it.
    clusters: [{ name: CONTEXT_NAME, cluster: { server: url, 'insecure-skip-tls-verify': true } }],
    users: [
      {
        name: CONTEXT_NAME,
        user: as ? { as: as.username, ...(as.groups.length ? { 'as-groups': as.groups } : {}) } : { token },
      },
    ],
    contexts: [{ name: CONTEXT_NAME, context: { cluster: CONTEXT_NAME, user: CONTEXT_NAME, namespace } }],
    'current-context': CONTEXT_NAME,
    preferences: {},
  });
