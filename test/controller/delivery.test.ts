// Delivery status and report-only drift, wired into the running controller: a Flux Kustomization that
// consumes our ExternalArtifact shows up in status.consumers and Delivered, without new ConfigHub calls;
// with spec.drift.mode=report, an edit of an applied object is reported, never corrected.
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { readTarGz } from '../../src/artifact/index.ts';
import { kubectlAvailable } from '../../testkit/shipped-rbac.ts';
import { useLocalStack } from '../support/local-stack.ts';
import { type Repo as BaseRepo, CHR, condition, download } from '../support/repositories.ts';

type Repo = BaseRepo & {
  status?: BaseRepo['status'] & {
    consumers?: unknown[];
    drift?: { items: Array<{ id: string; classification: string; live: unknown }> };
  };
};
type Deployment = { spec: { template: { spec: { containers: Array<{ image: string }> } } } };

const KS = { group: 'kustomize.toolkit.fluxcd.io', plural: 'kustomizations' };

const stack = useLocalStack();

function kustomization(namespace: string, name: string, source: string) {
  return {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name, namespace },
    spec: { interval: '10m', prune: true, sourceRef: { kind: 'ExternalArtifact', name: source } },
  };
}

function setApplied(
  namespace: string,
  name: string,
  revision: string,
  ready: 'True' | 'False',
  reason: string,
) {
  stack.kube.patch(
    KS,
    namespace,
    name,
    {
      status: {
        observedGeneration: stack.kube.get(KS, namespace, name)!.metadata.generation,
        lastAppliedRevision: revision,
        lastAttemptedRevision: revision,
      },
    },
    { subresource: 'status' },
  );
  stack.kube.setCondition(KS, namespace, name, {
    type: 'Ready',
    status: ready,
    reason,
    message: `${reason} at ${revision}`,
  });
}

describe('delivery status', () => {
  let repo: Repo;
  beforeAll(async () => {
    await stack.createRepository('team-a', 'shop');
    repo = await stack.waitForReady('team-a', 'shop');
  });

  it('reports a consumer that applied our revision as Delivered, without polling ConfigHub again', async () => {
    const revision = repo.status!.artifact!.revision;
    stack.emulator.clearRequests();
    stack.kube.create(kustomization('team-a', 'app', 'shop'));
    setApplied('team-a', 'app', revision, 'True', 'ReconciliationSucceeded');
    const delivered = (await stack.waitForCondition('team-a', 'shop', 'Delivered', 'True')) as Repo;
    expect(delivered.status!.consumers).toEqual([
      expect.objectContaining({
        kind: 'Kustomization',
        namespace: 'team-a',
        name: 'app',
        lastAppliedRevision: revision,
      }),
    ]);
    expect(condition(delivered, 'Ready')?.status).toBe('True');
    expect(stack.emulator.requests).toEqual([]);
  });

  it('watches only the events Flux records on its consumers', () => {
    const eventReads = stack.kube.requests.filter((r) => r.method === 'GET' && /\/events$/.test(r.path));
    const selectors = new Set(eventReads.map((r) => r.query?.['fieldSelector']));
    expect(selectors).toEqual(
      new Set(['involvedObject.kind=Kustomization', 'involvedObject.kind=HelmRelease']),
    );
  });

  it('says which consumer lags and keeps Ready about the artifact', async () => {
    setApplied(
      'team-a',
      'app',
      'head@sha256:0000000000000000000000000000000000000000000000000000000000000000',
      'False',
      'HealthCheckFailed',
    );
    const lagging = await stack.waitForCondition('team-a', 'shop', 'Delivered', 'False');
    expect(condition(lagging, 'Delivered')!.message).toContain('app');
    expect(condition(lagging, 'Ready')?.status).toBe('True');
  });

  it('drops consumers and Delivered when the consumer goes away', async () => {
    stack.kube.delete(KS, 'team-a', 'app');
    const gone = (await stack.kube.waitForObject(
      CHR,
      'team-a',
      'shop',
      (o) => !condition(o, 'Delivered'),
    )) as Repo;
    expect(gone.status!.consumers).toBeUndefined();
  });
});

describe('report-only drift', () => {
  it('reports an edited image on an applied object and never writes to it', async () => {
    await stack.createRepository('team-d', 'shop', { drift: { mode: 'report' } });
    const repo = await stack.waitForReady('team-d', 'shop');
    // Play kustomize-controller: apply every object of the artifact and record its inventory.
    const { bytes } = await download(repo.status!.artifact!.url);
    const entries: Array<{ id: string; v: string }> = [];
    for (const file of readTarGz(bytes)) {
      if (!file.path.endsWith('.yaml') || file.path === 'kustomization.yaml') continue;
      for (const doc of parseAllDocuments(Buffer.from(file.data).toString('utf8'))) {
        const object = doc.toJS() as {
          apiVersion: string;
          kind?: string;
          metadata: { namespace?: string; name: string; labels?: Record<string, string> };
        } | null;
        if (!object?.kind) continue;
        object.metadata.labels = {
          ...object.metadata.labels,
          'kustomize.toolkit.fluxcd.io/name': 'app',
          'kustomize.toolkit.fluxcd.io/namespace': 'team-d',
        };
        const ns = object.kind === 'Namespace' ? undefined : object.metadata.namespace;
        if (
          !stack.kube.get(object.kind === 'Namespace' ? 'namespaces' : object.kind, ns, object.metadata.name)
        ) {
          stack.kube.create(object, { manager: 'kustomize-controller' });
        }
        const [group, version] = object.apiVersion.includes('/')
          ? object.apiVersion.split('/')
          : ['', object.apiVersion];
        entries.push({ id: `${ns ?? ''}_${object.metadata.name}_${group}_${object.kind}`, v: version! });
      }
    }
    stack.kube.create(kustomization('team-d', 'app', 'shop'));
    stack.kube.patch(
      KS,
      'team-d',
      'app',
      { status: { lastAppliedRevision: repo.status!.artifact!.revision, inventory: { entries } } },
      { subresource: 'status' },
    );
    stack.requestReconcile('team-d', 'shop', 'applied');
    const clean = (await stack.kube.waitForObject(
      CHR,
      'team-d',
      'shop',
      (o) =>
        (o as Repo).status?.lastHandledReconcileAt === 'applied' &&
        Boolean((o as { status?: { drift?: unknown } }).status?.drift),
    )) as Repo;
    expect(clean.status!.drift!.items).toEqual([]);

    const web = stack.kube.get('deployments', 'shop', 'web') as unknown as Deployment;
    const containers = web.spec.template.spec.containers.map((c) => ({ ...c, image: 'nginx:hotfix' }));
    stack.kube.patch(
      'deployments',
      'shop',
      'web',
      { spec: { template: { spec: { containers } } } },
      { manager: 'kubectl-edit' },
    );
    const writesBefore = stack.kube.requests.filter(
      (r) => r.path.includes('/deployments/') && r.method !== 'GET' && !r.query?.['dryRun'],
    ).length;
    stack.requestReconcile('team-d', 'shop', 'edited');
    const drifted = (await stack.waitForCondition('team-d', 'shop', 'Drifted', 'True')) as Repo;
    const item = drifted.status!.drift!.items.find((i) => i.id.startsWith('Deployment/shop/web#'));
    expect(item).toMatchObject({ classification: 'image', live: 'nginx:hotfix' });
    expect(condition(drifted, 'Ready')?.status).toBe('True');
    const events = stack.kube.list('events', 'team-d') as unknown as Array<{ reason: string; type: string }>;
    expect(events.some((e) => e.reason === 'DriftDetected' && e.type === 'Warning')).toBe(true);
    // Report-only: the live object keeps the edit; nothing but dry runs went to it.
    const live = stack.kube.get('deployments', 'shop', 'web') as unknown as Deployment;
    expect(live.spec.template.spec.containers[0]!.image).toBe('nginx:hotfix');
    const writesAfter = stack.kube.requests.filter(
      (r) => r.path.includes('/deployments/') && r.method !== 'GET' && !r.query?.['dryRun'],
    ).length;
    expect(writesAfter).toBe(writesBefore);
  });
});

it.skipIf(!kubectlAvailable())(
  'needed nothing outside the shipped RBAC, as the controller ServiceAccount',
  () => {
    expect(stack.kube.rbacEnforced).toBe(true);
    expect(stack.forbiddenControllerRequests()).toEqual([]);
  },
);
