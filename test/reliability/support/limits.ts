// The size-limit scenarios, shared by the fast run (small --max-units/--max-unit-size) and the chaos run
// (the defaults: 10,000 units, 32 MiB per unit).
import { expect } from 'vitest';
import type { LocalStack } from '../../../testkit/local-stack.ts';
import {
  CHR,
  condition,
  createRepository,
  expectStillServed,
  type Repo,
  requestReconcile,
  waitForReady,
} from '../../support/repositories.ts';

async function reconcileNow(stack: LocalStack, ns: string, token: string, timeoutMs: number): Promise<Repo> {
  requestReconcile(stack, ns, 'shop', token);
  return (await stack.kube.waitForObject(
    CHR,
    ns,
    'shop',
    (o) => (o as Repo).status?.lastHandledReconcileAt === token,
    { timeoutMs },
  )) as Repo;
}

/** One unit of `bytes` bytes is refused with LimitExceeded naming the unit and the limit. */
export async function oversizedUnit(
  stack: LocalStack,
  ns: string,
  bytes: number,
  limit: number,
): Promise<void> {
  await createRepository(stack, ns, 'shop');
  const good = (await waitForReady(stack, ns, 'shop')).status!.artifact!;
  const original = stack.emulator.getUnit('shop-prod', 'web-config').text;
  const head = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  blob: "';
  stack.emulator.setUnitData('shop-prod', 'web-config', `${head}${'x'.repeat(bytes - head.length - 2)}"\n`);
  try {
    const repo = await reconcileNow(stack, ns, 'big', 60_000);
    expect(condition(repo, 'Ready')).toMatchObject({ status: 'False', reason: 'LimitExceeded' });
    const message = condition(repo, 'Ready')!.message;
    expect(message).toContain("'web-config'");
    expect(message).toContain(`the limit is ${limit}`);
    await expectStillServed(good, repo);
  } finally {
    stack.emulator.setUnitData('shop-prod', 'web-config', original);
  }
}

/** shop-staging brought to exactly `maxUnits` Kubernetes units is published; one more is refused. */
export async function unitCountLimit(
  stack: LocalStack,
  ns: string,
  maxUnits: number,
): Promise<{ publishMs: number }> {
  const existing = 5; // Kubernetes units of shop-staging in the fixture
  for (let i = 0; i < maxUnits - existing; i++) {
    stack.emulator.createUnit('shop-staging', {
      slug: `bulk-${i}`,
      data: `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bulk-${i}\n`,
    });
  }
  const started = performance.now();
  await createRepository(stack, ns, 'shop', { space: 'shop-staging', timeout: '300s' });
  const ready = await waitForReady(stack, ns, 'shop', () => true, 300_000);
  const publishMs = Math.round(performance.now() - started);
  expect(ready.status!.fetched!.unitCount).toBe(maxUnits);
  const good = ready.status!.artifact!;

  stack.emulator.createUnit('shop-staging', {
    slug: 'bulk-one-more',
    data: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: one-more\n',
  });
  const repo = await reconcileNow(stack, ns, 'one-more', 300_000);
  expect(condition(repo, 'Ready')).toMatchObject({ status: 'False', reason: 'LimitExceeded' });
  expect(condition(repo, 'Ready')!.message).toContain(String(maxUnits));
  await expectStillServed(good, repo);
  return { publishMs };
}
