// The version checks a release tag must pass (scripts/release-versions.ts), and the changelog they read.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  changelogSection,
  npmDistTag,
  readVersionSources,
  releaseProblems,
} from '../../scripts/release-versions.ts';
import { REPO_ROOT } from '../packaging/support/paths.ts';

const sources = readVersionSources(REPO_ROOT);

describe('release versions', () => {
  it('are one semantic version everywhere it is written, with a dated changelog section', () => {
    expect(releaseProblems(`v${sources.packageJson}`, sources)).toEqual([]);
    expect(changelogSection(sources.changelog, sources.packageJson)).toMatch(/^[\s\S]*### Added\n\n- /);
  });

  it('keeps the changelog in Keep a Changelog form: Unreleased first, then versions newest first, with links', () => {
    const headings = [...sources.changelog.matchAll(/^## \[([^\]]+)\](?: - (\d{4}-\d{2}-\d{2}))?$/gm)];
    expect(headings[0]?.[1]).toBe('Unreleased');
    const versions = headings.slice(1).map((h) => h[1]!);
    expect(versions[0]).toBe(sources.packageJson);
    for (const h of headings.slice(1)) expect(h[2], h[1]).toBeDefined();
    for (const name of ['Unreleased', ...versions]) {
      expect(sources.changelog).toMatch(new RegExp(`^\\[${name.replaceAll('.', '\\.')}\\]: https://`, 'm'));
    }
  });

  it('is the version the install instructions name', () => {
    const docs = ['README.md', 'docs/install.md', 'charts/confighub-source-controller/README.md'];
    let named = 0;
    for (const doc of docs) {
      const text = readFileSync(join(REPO_ROOT, doc), 'utf8');
      for (const m of text.matchAll(/releases\/download\/v([^/\s]+)\/|oci:\/\/\S+ \\\n\s*--version (\S+)/g)) {
        expect(m[1] ?? m[2], doc).toBe(sources.packageJson);
        named++;
      }
    }
    expect(named).toBeGreaterThanOrEqual(5);
  });

  it('names each source that disagrees with the tag', () => {
    const stale = { ...sources, chartAppVersion: '0.0.9', kustomizeImageTag: 'v0.0.9' };
    expect(releaseProblems(`v${sources.packageJson}`, stale)).toEqual([
      `charts/confighub-source-controller/Chart.yaml appVersion is '0.0.9', the tag needs '${sources.packageJson}'`,
      `config/default image tag is 'v0.0.9', the tag needs 'v${sources.packageJson}'`,
    ]);
    expect(releaseProblems('release-1', sources)).toEqual(["tag 'release-1' is not v<semantic version>"]);
    expect(releaseProblems('v1.2', sources)).toEqual(["tag 'v1.2' is not v<semantic version>"]);
  });

  it('reads one version’s changelog section, and only a dated one', () => {
    const changelog = [
      '# Changelog',
      '## [Unreleased]',
      '## [1.1.0] - 2027-01-02',
      '### Fixed',
      '- b',
      '## [1.0.0] - 2026-12-04',
      '### Added',
      '- a',
      '[1.1.0]: https://example.com',
    ].join('\n');
    expect(changelogSection(changelog, '1.1.0')).toBe('### Fixed\n- b');
    expect(changelogSection(changelog, '1.0.0')).toBe('### Added\n- a');
    expect(changelogSection(changelog, '1.0')).toBeUndefined();
    expect(changelogSection(changelog, 'Unreleased')).toBeUndefined();
  });

  it('publishes prereleases under npm’s `next`, never `latest`', () => {
    expect(npmDistTag('1.2.3')).toBe('latest');
    expect(npmDistTag('1.3.0-rc.1')).toBe('next');
  });
});
