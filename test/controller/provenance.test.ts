// Provenance: status.artifact and the ExternalArtifact carry the ConfigHub origin in the OCI annotation keys
// Flux reads (kustomize-controller reports `org.opencontainers.image.revision` as the origin revision of its
// events). It changes with any unit's revision and only then; the tarball and its digest stay byte-stable.
import { describe, expect, it } from 'vitest';
import { findKubectl } from '../../testkit/flux/index.ts';
import { useLocalStack } from '../support/local-stack.ts';
import { CHR, condition, EA, type Repo } from '../support/repositories.ts';

const stack = useLocalStack({ kustomizeController: { pollMs: 50, intervalMs: 3_600_000 } });

async function reconcileNow(mark: string): Promise<Repo> {
  stack.requestReconcile('prov', 'shop', mark);
  return (await stack.kube.waitForObject(
    CHR,
    'prov',
    'shop',
    (o) => (o as Repo).status?.lastHandledReconcileAt === mark && condition(o, 'Ready')?.status === 'True',
    { timeoutMs: 20_000 },
  )) as Repo;
}

type WithMetadata = { metadata?: Record<string, string>; digest: string; revision: string };

describe('artifact provenance', () => {
  it('names the space, the ref and a ConfigHub revision that follows unit revisions', async () => {
    await stack.createRepository('prov', 'shop');
    const first = await stack.waitForReady('prov', 'shop');
    const artifact = first.status!.artifact as WithMetadata;
    const space = stack.emulator.getSpace('shop-prod');
    expect(artifact.metadata).toEqual({
      'org.opencontainers.image.source': `${stack.emulator.url}/api/space/${space.SpaceID}`,
      'org.opencontainers.image.revision': `head@sha256:${first.status!.fetched!.fingerprint}`,
      'source.confighub.com/ref': 'head',
      'source.confighub.com/space': 'shop-prod',
    });
    // The ExternalArtifact Flux reads carries the same metadata.
    await expect
      .poll(() => (stack.kube.get(EA, 'prov', 'shop')?.status as { artifact?: WithMetadata })?.artifact)
      .toEqual(first.status!.artifact);

    // Nothing changed upstream: same bytes, same digest, same provenance.
    const again = await reconcileNow('same');
    expect(again.status!.artifact).toEqual(first.status!.artifact);

    // A new unit revision: a new ConfigHub revision in the metadata.
    const unit = stack.emulator.getUnit('shop-prod', 'web-config');
    stack.emulator.setUnitData('shop-prod', 'web-config', `${unit.text}\n# provenance\n`);
    const changed = await reconcileNow('changed');
    const next = changed.status!.artifact as WithMetadata;
    expect(next.digest).not.toBe(artifact.digest);
    expect(next.metadata!['org.opencontainers.image.revision']).toBe(
      `head@sha256:${changed.status!.fetched!.fingerprint}`,
    );
    expect(next.metadata!['org.opencontainers.image.revision']).not.toBe(
      artifact.metadata!['org.opencontainers.image.revision'],
    );
  });

  it.skipIf(findKubectl() === undefined)(
    "kustomize-controller's events carry it as the origin revision",
    async () => {
      stack.kube.create({
        apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
        kind: 'Kustomization',
        metadata: { name: 'app', namespace: 'prov' },
        spec: { interval: '10m', prune: true, sourceRef: { kind: 'ExternalArtifact', name: 'shop' } },
      });
      const origin = ((stack.kube.get(CHR, 'prov', 'shop') as Repo).status!.artifact as WithMetadata)
        .metadata!['org.opencontainers.image.revision'];
      await expect
        .poll(
          () =>
            (
              stack.kube.list('events', 'prov') as {
                reason?: string;
                metadata: { annotations?: Record<string, string> };
              }[]
            )
              .filter((e) => e.reason === 'ReconciliationSucceeded')
              .map((e) => e.metadata.annotations?.['kustomize.toolkit.fluxcd.io/originRevision']),
          { timeout: 15_000 },
        )
        .toContain(origin);
    },
  );
});
