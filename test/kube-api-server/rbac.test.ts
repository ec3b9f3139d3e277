// RBAC enforcement of the Kubernetes API test server: users by token (client-node) or impersonation
// (kubectl), decisions from stored Roles/ClusterRoles and bindings, 403s worded as kube-apiserver's, and
// SelfSubjectAccessReview for `kubectl auth can-i`.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeApiServer } from '../../testkit/kube-api-server/index.ts';

const KUBECTL = '/usr/bin/kubectl';
const execFileAsync = promisify(execFile);

const RBAC = `
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: secret-reader, namespace: team-a}
rules:
  - {apiGroups: [""], resources: [secrets], verbs: [get]}
  - {apiGroups: [""], resources: [configmaps], resourceNames: [allowed], verbs: [get, update]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: secret-reader, namespace: team-a}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: secret-reader}
subjects: [{kind: ServiceAccount, name: app, namespace: team-a}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: aggregate}
aggregationRule:
  clusterRoleSelectors: [{matchLabels: {example.com/aggregate: "true"}}]
rules: []
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: lease-status, labels: {example.com/aggregate: "true"}}
rules:
  - {apiGroups: [coordination.k8s.io], resources: [leases], verbs: [list]}
  - {apiGroups: [apps], resources: [deployments/status], verbs: [patch]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: aggregate}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: aggregate}
subjects: [{kind: ServiceAccount, name: app, namespace: team-a}]
`;

let server: KubeApiServer;
let token: string;

const call = async (method: string, path: string, as = token, body?: unknown) => {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${as}`,
      ...(body
        ? { 'content-type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json' }
        : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

beforeAll(async () => {
  server = await new KubeApiServer({ rbac: true, namespaces: ['team-a', 'team-b'] }).listen();
  server.loadRbac(RBAC);
  token = server.addServiceAccount('team-a', 'app');
  server.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'team-a' } });
  server.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'allowed', namespace: 'team-a' } });
});
afterAll(async () => {
  await server?.close();
});

describe('authorisation', () => {
  it('allows what a Role bound in the namespace grants', async () => {
    expect((await call('GET', '/api/v1/namespaces/team-a/secrets/s')).status).toBe(200);
    expect((await call('GET', '/api/v1/namespaces/team-a/configmaps/allowed')).status).toBe(200);
    const requests = server.requests.filter((r) => r.path === '/api/v1/namespaces/team-a/secrets/s');
    expect(requests.at(-1)?.user).toBe('system:serviceaccount:team-a:app');
  });

  it('refuses anything else with 403 Forbidden worded as kube-apiserver', async () => {
    const list = await call('GET', '/api/v1/namespaces/team-a/secrets');
    expect(list).toEqual({
      status: 403,
      body: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message:
          'secrets is forbidden: User "system:serviceaccount:team-a:app" cannot list resource "secrets" in API group "" in the namespace "team-a"',
        reason: 'Forbidden',
        details: { kind: 'secrets' },
        code: 403,
      },
    });
    const other = await call('GET', '/api/v1/namespaces/team-b/secrets/s');
    expect(other.status).toBe(403);
    expect(other.body['message']).toBe(
      'secrets "s" is forbidden: User "system:serviceaccount:team-a:app" cannot get resource "secrets" in API group "" in the namespace "team-b"',
    );
    // resourceNames restrict to the named object; forbidden before existence is even checked.
    expect((await call('GET', '/api/v1/namespaces/team-a/configmaps/other')).status).toBe(403);
    const crd = await call('GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions');
    expect(crd.body['message']).toBe(
      'customresourcedefinitions.apiextensions.k8s.io is forbidden: User "system:serviceaccount:team-a:app" cannot list resource "customresourcedefinitions" in API group "apiextensions.k8s.io" at the cluster scope',
    );
  });

  it('matches subresources exactly and aggregates ClusterRoles', async () => {
    expect((await call('GET', '/apis/coordination.k8s.io/v1/leases')).status).toBe(200);
    // A grant on deployments/status is not one on deployments, and the reverse.
    const main = await call('PATCH', '/apis/apps/v1/namespaces/team-a/deployments/web', token, { spec: {} });
    expect(main.status).toBe(403);
    const status = await call('PATCH', '/apis/apps/v1/namespaces/team-a/deployments/web/status', token, {
      status: {},
    });
    expect(status.status).toBe(404);
  });

  it('refuses unknown tokens with 401 and lets the admin do anything', async () => {
    expect((await call('GET', '/api/v1/namespaces', 'made-up')).status).toBe(401);
    expect((await call('GET', '/api/v1/namespaces', server.kubeConfig().users[0]!.token)).status).toBe(200);
  });
});

describe('SelfSubjectAccessReview', () => {
  it('answers whether the requesting user may do something', async () => {
    const review = (verb: string, resource: string, namespace?: string) =>
      call('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', token, {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: { resourceAttributes: { verb, resource, namespace, group: '' } },
      });
    const yes = await review('get', 'secrets', 'team-a');
    expect(yes.status).toBe(201);
    expect(yes.body['status']).toEqual({ allowed: true });
    expect((await review('delete', 'secrets', 'team-a')).body['status']).toEqual({ allowed: false });
  });

  it.skipIf(!existsSync(KUBECTL))('makes kubectl auth can-i work, as the kubeconfig user', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rbac-kubectl-'));
    try {
      const kubeconfig = await server.writeKubeconfig(join(dir, 'config'), 'team-a', token);
      const canI = (...args: string[]) =>
        execFileAsync(KUBECTL, ['--kubeconfig', kubeconfig, 'auth', 'can-i', ...args], {
          timeout: 20_000,
        }).then(
          (r) => r.stdout.trim(),
          (e: { stdout: string }) => e.stdout.trim(),
        );
      expect(await canI('get', 'secrets')).toBe('yes');
      expect(await canI('list', 'secrets')).toBe('no');
      expect(await canI('get', 'secrets', '-n', 'team-b')).toBe('no');
      // The kubeconfig names its user by impersonation: kubectl sends no token over plain http.
      const { stdout } = await execFileAsync(KUBECTL, ['--kubeconfig', kubeconfig, 'get', 'secret', 's'], {
        timeout: 20_000,
      });
      expect(stdout).toMatch(/^NAME/);
      const denied = await execFileAsync(KUBECTL, ['--kubeconfig', kubeconfig, 'get', 'secrets'], {
        timeout: 20_000,
      }).catch((e: { stderr: string }) => e);
      expect((denied as { stderr: string }).stderr).toContain(
        'secrets is forbidden: User "system:serviceaccount:team-a:app" cannot list resource "secrets"',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
