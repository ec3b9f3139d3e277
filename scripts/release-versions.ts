// Where the release version is written down, and the checks that a tag `v<version>` may be released: the
// npm package, the Helm chart, the kustomize installation (image tag and version label), the image's
// default VERSION and the changelog must all name the same version.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { parse } from 'yaml';

export const IMAGE = 'ghcr.io/confighub/confighub-source-controller';
export const CHART_DIR = 'charts/confighub-source-controller';
export const KUSTOMIZE_DEFAULT = 'config/default';

export interface VersionSources {
  packageJson: string;
  chartVersion: string;
  chartAppVersion: string;
  /** `images[].newTag` of config/default for the controller image, e.g. `v0.1.0`. */
  kustomizeImageTag: string;
  kustomizeVersionLabel: string;
  dockerfileVersion: string;
  changelog: string;
}

export function readVersionSources(root: string): VersionSources {
  const read = (path: string) => readFileSync(join(root, path), 'utf8');
  const chart = parse(read(`${CHART_DIR}/Chart.yaml`)) as { version: string; appVersion: string };
  const kustomization = parse(read(`${KUSTOMIZE_DEFAULT}/kustomization.yaml`)) as {
    images?: { name: string; newTag?: string }[];
    labels?: { pairs: Record<string, string> }[];
  };
  return {
    packageJson: (JSON.parse(read('package.json')) as { version: string }).version,
    chartVersion: String(chart.version),
    chartAppVersion: String(chart.appVersion),
    kustomizeImageTag: kustomization.images?.find((i) => i.name === IMAGE)?.newTag ?? '',
    kustomizeVersionLabel:
      kustomization.labels?.map((l) => l.pairs['app.kubernetes.io/version']).find((v) => v !== undefined) ??
      '',
    dockerfileVersion: /^ARG VERSION=(\S+)$/m.exec(read('Dockerfile'))?.[1] ?? '',
    changelog: read('CHANGELOG.md'),
  };
}

/** The body of the changelog's `## [version] - YYYY-MM-DD` section; undefined when there is none. */
export function changelogSection(changelog: string, version: string): string | undefined {
  const lines = changelog.split('\n');
  const heading = new RegExp(`^## \\[${version.replaceAll('.', '\\.')}\\] - \\d{4}-\\d{2}-\\d{2}$`);
  const start = lines.findIndex((l) => heading.test(l));
  if (start < 0) return undefined;
  const end = lines.findIndex((l, i) => i > start && /^## |^\[[^\]]+\]: /.test(l));
  return lines
    .slice(start + 1, end < 0 ? undefined : end)
    .join('\n')
    .trim();
}

/** Why `tag` cannot be released from these sources; empty when it can. */
export function releaseProblems(tag: string, sources: VersionSources): string[] {
  const version = tag.startsWith('v') ? tag.slice(1) : '';
  if (semver.valid(version) !== version) return [`tag '${tag}' is not v<semantic version>`];
  const expected: [string, string, string][] = [
    ['package.json version', sources.packageJson, version],
    [`${CHART_DIR}/Chart.yaml version`, sources.chartVersion, version],
    [`${CHART_DIR}/Chart.yaml appVersion`, sources.chartAppVersion, version],
    [`${KUSTOMIZE_DEFAULT} image tag`, sources.kustomizeImageTag, `v${version}`],
    [`${KUSTOMIZE_DEFAULT} app.kubernetes.io/version`, sources.kustomizeVersionLabel, version],
    ['Dockerfile ARG VERSION', sources.dockerfileVersion, version],
  ];
  const problems = expected
    .filter(([, actual, wanted]) => actual !== wanted)
    .map(([where, actual, wanted]) => `${where} is '${actual}', the tag needs '${wanted}'`);
  if (!changelogSection(sources.changelog, version)) {
    problems.push(`CHANGELOG.md has no '## [${version}] - YYYY-MM-DD' section with content`);
  }
  return problems;
}

/** npm's dist-tag for a version: prereleases never become `latest`. */
export function npmDistTag(version: string): string {
  return semver.prerelease(version) ? 'next' : 'latest';
}
