// Someone else edits our ExternalArtifact's status (points `url` elsewhere, flips Ready): the watch puts it
// back within seconds, not at the next poll (the interval here is an hour), and our own writes start no
// further reconcile, so repairing never loops.
import { describe, expect, it } from 'vitest';
import { listingPath } from '../reliability/support/fault-cycle.ts';
import { useLocalStack } from '../support/local-stack.ts';
import { CHR, EA, type Repo } from '../support/repositories.ts';

type EaStatus = {
  artifact?: { url: string; digest: string };
  conditions?: { type: string; status: string }[];
};

const stack = useLocalStack();

const eaStatus = () => stack.kube.get(EA, 'heal', 'shop')?.status as EaStatus | undefined;
const listings = () => stack.emulator.requests.filter((r) => r.path === listingPath(stack)).length;

async function handled(mark: string): Promise<void> {
  stack.requestReconcile('heal', 'shop', mark);
  await stack.kube.waitForObject(
    CHR,
    'heal',
    'shop',
    (o) => (o as Repo).status?.lastHandledReconcileAt === mark,
  );
}

describe('self-healing ExternalArtifact', () => {
  it('puts back an edited status at once, then stays quiet', async () => {
    await stack.createRepository('heal', 'shop');
    const good = (await stack.waitForReady('heal', 'shop')).status!.artifact!;
    await expect.poll(() => eaStatus()?.artifact?.url).toBe(good.url);

    stack.kube.patch(
      EA,
      'heal',
      'shop',
      { status: { artifact: { ...good, url: 'http://evil.example/artifact.tar.gz' } } },
      { subresource: 'status', manager: 'intruder' },
    );
    await expect.poll(() => eaStatus()?.artifact?.url, { timeout: 5_000 }).toBe(good.url);

    const ready = eaStatus()!.conditions!.find((c) => c.type === 'Ready')!;
    stack.kube.patch(
      EA,
      'heal',
      'shop',
      { status: { conditions: [{ ...ready, status: 'False', reason: 'Tampered', message: 'x' }] } },
      { subresource: 'status', manager: 'intruder' },
    );
    await expect
      .poll(() => eaStatus()?.conditions?.find((c) => c.type === 'Ready')?.status, { timeout: 5_000 })
      .toBe('True');

    // No loop: between two requested reconciles, exactly one listing and no EA write.
    await handled('settled');
    const before = { listings: listings(), rv: stack.kube.get(EA, 'heal', 'shop')!.metadata.resourceVersion };
    await handled('quiet');
    expect(listings() - before.listings).toBe(1);
    expect(stack.kube.get(EA, 'heal', 'shop')!.metadata.resourceVersion).toBe(before.rv);
    expect(eaStatus()!.artifact!.digest).toBe(good.digest);
  });
});
