// ConfigHub versions: release selection on a server before v0.8.10 (no ReleaseNum in a release where),
// SkippedUnits honoured and reported, and the ConfigHub-Version recorded in status and in failures.
import { describe, expect, it } from 'vitest';
import { useLocalStack } from '../support/local-stack.ts';
import { condition } from '../support/repositories.ts';

describe('an older ConfigHub server (v0.8.3)', () => {
  const stack = useLocalStack({ emulator: { olderServer: true } });

  it('selects a numbered release client-side among the published ones', async () => {
    await stack.createRepository('old', 'pinned', { ref: { release: '1' } });
    const repo = await stack.waitForReady('old', 'pinned');
    expect(repo.status!.artifact!.revision).toMatch(/^release-1@sha256:/);
    expect(repo.status!.fetched!.serverVersion).toBe('v0.8.3');
    const releaseLists = stack.emulator.requests.filter((r) => /\/release$/.test(r.path));
    expect(releaseLists.length).toBeGreaterThan(0);
    for (const request of releaseLists) {
      expect(request.status).toBe(200);
      expect(request.query['where']).toBe('Published = true');
    }
  });

  it('really refuses ReleaseNum in a release where, as those servers do', async () => {
    const space = stack.emulator.getSpace('shop-prod');
    const response = await fetch(
      `${stack.emulator.url}/api/space/${space.SpaceID}/release?where=${encodeURIComponent('ReleaseNum = 1')}`,
      { headers: { authorization: `Bearer ${stack.emulator.fixture.token}` } },
    );
    expect(response.status).toBe(400);
    expect(response.headers.get('confighub-version')).toBe('v0.8.3');
  });

  it('names the server version in a failure', async () => {
    await stack.createRepository('old', 'missing', { ref: { release: '7' } });
    const repo = await stack.waitForCondition('old', 'missing', 'Ready', 'False', 'RefNotFound');
    expect(condition(repo, 'Ready')!.message).toContain(
      "release 7 of space 'shop-prod' does not exist or is not published (ConfigHub v0.8.3)",
    );
  });
});

describe('a release that skipped units', () => {
  const stack = useLocalStack();

  it('leaves the skipped units out and reports them in status.fetched', async () => {
    const release = stack.emulator.publishRelease('shop-prod', { skip: ['web-hpa'] });
    await stack.createRepository('skipping', 'latest', { ref: { release: 'latest' } });
    const repo = await stack.waitForReady('skipping', 'latest');
    expect(repo.status!.artifact!.revision).toMatch(new RegExp(`^release-${release.ReleaseNum}@sha256:`));
    expect(repo.status!.fetched!.skippedUnits).toEqual(['web-hpa']);
    const space = stack.emulator.getSpace('shop-prod');
    const listed = await fetch(`${stack.emulator.url}/api/space/${space.SpaceID}/release`, {
      headers: { authorization: `Bearer ${stack.emulator.fixture.token}` },
    });
    const releases = (await listed.json()) as Array<{
      Release: { ReleaseNum: number; ManifestDigest: string };
    }>;
    const manifest = releases.find((r) => r.Release.ReleaseNum === release.ReleaseNum)!.Release
      .ManifestDigest;
    expect(repo.status!.fetched!.releaseManifestDigest).toBe(manifest);
    const slugs = repo.status!.fetched!.units!.map((u) => u.slug);
    expect(slugs).toContain('web');
    expect(slugs).not.toContain('web-hpa');
    expect(repo.status!.fetched!.serverVersion).toBe('v0.8.12');
  });
});
