// The controller runs as its ServiceAccount with the RBAC the project ships enforced by the API server:
// everything it does on the main path is allowed, and anything outside those rules is refused, so a
// missing rule fails here rather than on a cluster.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../src/kube/client.ts';
import { KubeApiError } from '../../src/kube/errors.ts';
import { resources } from '../../src/kube/resources.ts';
import { kubectlAvailable } from '../../testkit/shipped-rbac.ts';
import { useLocalStack } from '../support/local-stack.ts';

const isForbidden = (error: unknown) => error instanceof KubeApiError && error.code === 403;

// The shipped RBAC is rendered with kubectl kustomize: without kubectl there is nothing to enforce.
describe.skipIf(!kubectlAvailable())('the shipped RBAC, enforced', () => {
  const stack = useLocalStack({ rbac: true });
  let asController: KubeClient;
  beforeAll(() => {
    asController = new KubeClient(stack.controllerKubeConfig);
  });
  afterAll(async () => {
    await asController?.close();
  });

  it('reconciles as system:serviceaccount:flux-system:confighub-source-controller without a single 403', async () => {
    expect(stack.kube.rbacEnforced).toBe(true);
    await stack.createRepository('team-rbac', 'shop');
    await stack.waitForReady('team-rbac', 'shop');
    const controllerRequests = stack.kube.requests.filter(
      (r) => r.userAgent === 'confighub-source-controller',
    );
    expect(controllerRequests.length).toBeGreaterThan(0);
    expect(new Set(controllerRequests.map((r) => r.user))).toEqual(
      new Set(['system:serviceaccount:flux-system:confighub-source-controller']),
    );
    expect(controllerRequests.filter((r) => r.status === 403 || r.status === 401)).toEqual([]);
  });

  it('refuses what the shipped RBAC does not grant, with the API server’s 403', async () => {
    // Secrets may be read one by one (spec.secretRef), never listed; repositories are never deleted.
    const list = asController.list(resources.secret, { namespace: 'team-rbac' });
    await expect(list).rejects.toSatisfy(isForbidden);
    await expect(list).rejects.toThrow(
      'secrets is forbidden: User "system:serviceaccount:flux-system:confighub-source-controller" cannot list resource "secrets" in API group "" in the namespace "team-rbac"',
    );
    await expect(asController.delete(resources.repository, 'team-rbac', 'shop')).rejects.toSatisfy(
      isForbidden,
    );
    expect(
      stack.kube.get({ group: 'source.confighub.com', plural: 'confighubrepositories' }, 'team-rbac', 'shop'),
    ).toBeDefined();
  });

  it('names its field manager on every write, merge patches included', () => {
    const writes = stack.kube.requests.filter(
      (r) => r.user === stack.controllerUser && ['POST', 'PUT', 'PATCH'].includes(r.method),
    );
    expect(writes.length).toBeGreaterThan(0);
    expect(writes.filter((r) => r.fieldManager !== 'confighub-source-controller')).toEqual([]);
    expect(writes.some((r) => r.contentType === 'application/merge-patch+json')).toBe(true);
  });
});
