// Hostile units reaching the whole system: unit slugs that try to leave the artifact tree or deceive,
// oversized units and spaces, and invalid YAML. The project's choice for all of them: the whole revision
// is refused with a precise reason, the last good artifact stays published and served byte for byte,
// and nothing is ever written outside the object's storage directory.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useLocalStack } from '../support/local-stack.ts';
import { condition, expectStillServed, type Repo } from '../support/repositories.ts';
import { type RewritingProxy, startRewritingProxy } from './support/rewriting-proxy.ts';
import { ARTIFACT_FILE, walk } from './support/storage-walk.ts';

const stack = useLocalStack();
let proxy: RewritingProxy;
beforeAll(async () => {
  proxy = await startRewritingProxy(stack.emulator.url);
});
afterAll(async () => {
  await proxy?.close();
});

describe('hostile unit slugs (through a rewriting upstream)', () => {
  const cases: [string, string][] = [
    ['parent traversal', '../../../../tmp/escape'],
    ['absolute path', '/etc/cron.d/evil'],
    ['dot-dot', '..'],
    ['NUL byte', 'web\u0000config'],
    ['very long (300 bytes)', 'a'.repeat(300)],
    ['Cyrillic look-alike', 'w\u0435b-config'],
    ['fullwidth full stop', '\uff0e\uff0e'],
    ['hidden file', '.web-config'],
    ['backslash', '..\\..\\evil'],
    ['newline', 'web\nconfig'],
  ];
  let good: NonNullable<NonNullable<Repo['status']>['artifact']>;

  beforeAll(async () => {
    await stack.createRepository('slugs', 'shop', { url: proxy.url });
    good = (await stack.waitForReady('slugs', 'shop')).status!.artifact!;
  });

  cases.forEach(([label, slug], i) => {
    it(`${label}: the revision is refused (InvalidUnit), the last artifact stays`, async () => {
      proxy.rewrites.set('web-config', slug);
      try {
        const repo = await stack.reconcileNow('slugs', 'shop', `slug-${i}`);
        expect(condition(repo, 'Ready')).toMatchObject({ status: 'False', reason: 'InvalidUnit' });
        expect(condition(repo, 'FetchFailed')).toMatchObject({ status: 'True', reason: 'InvalidUnit' });
        const message = condition(repo, 'Ready')!.message;
        expect(message).toContain('the last artifact stays published');
        // The message quotes the name without raw control characters (status, events and logs stay clean).
        expect(message).not.toMatch(/[\u0000-\u001f]/);
        await expectStillServed(good, repo);
      } finally {
        proxy.rewrites.clear();
      }
    });
  });

  it('nothing was written outside the object directory, and the clean space recovers', async () => {
    const files = await walk(stack.storagePath);
    expect(files.filter((f) => !ARTIFACT_FILE.test(f))).toEqual([]);
    const repo = await stack.reconcileNow('slugs', 'shop', 'clean');
    expect(condition(repo, 'Ready')?.status).toBe('True');
    expect(repo.status!.artifact!.digest).toBe(good.digest);
  });
});

describe('invalid YAML in one unit', () => {
  it('refuses the whole revision, keeps serving the last artifact, publishes once fixed', async () => {
    await stack.createRepository('yaml', 'shop');
    const good = (await stack.waitForReady('yaml', 'shop')).status!.artifact!;
    const original = stack.emulator.getUnit('shop-prod', 'web-config').text;
    stack.emulator.setUnitData(
      'shop-prod',
      'web-config',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [unclosed\n',
    );
    try {
      const repo = await stack.reconcileNow('yaml', 'shop', 'broken');
      expect(condition(repo, 'Ready')).toMatchObject({ status: 'False', reason: 'InvalidUnit' });
      expect(condition(repo, 'Ready')!.message).toMatch(
        /unit "web-config" is not valid Kubernetes YAML at line 4/,
      );
      await expectStillServed(good, repo);
    } finally {
      stack.emulator.setUnitData('shop-prod', 'web-config', `${original}\n# fixed\n`);
    }
    const fixed = await stack.reconcileNow('yaml', 'shop', 'fixed');
    expect(condition(fixed, 'Ready')?.status).toBe('True');
    expect(fixed.status!.artifact!.digest).not.toBe(good.digest);
  });
});
