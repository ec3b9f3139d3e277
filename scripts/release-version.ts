// `node scripts/release-version.ts v1.2.3`: checks the tag against every place the version is written
// (release-versions.ts) and prints the release's parameters as GitHub Actions step outputs
// (`version=1.2.3`, `npm-tag=latest`). Exits 1 with the mismatches otherwise.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { npmDistTag, readVersionSources, releaseProblems } from './release-versions.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const tag = process.argv[2] ?? '';
const problems = releaseProblems(tag, readVersionSources(root));
if (problems.length > 0) {
  process.stderr.write(
    `cannot release ${tag || '(no tag given)'}:\n${problems.map((p) => `  - ${p}\n`).join('')}`,
  );
  process.exit(1);
}
const version = tag.slice(1);
process.stdout.write(`version=${version}\nnpm-tag=${npmDistTag(version)}\n`);
