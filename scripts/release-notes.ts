// `node scripts/release-notes.ts 1.2.3`: the changelog's section for that version, as the GitHub
// release's notes.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { changelogSection } from './release-versions.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const version = process.argv[2] ?? '';
const section = changelogSection(readFileSync(join(root, 'CHANGELOG.md'), 'utf8'), version);
if (section === undefined) {
  process.stderr.write(`CHANGELOG.md has no section for '${version}'\n`);
  process.exit(1);
}
process.stdout.write(`${section}\n`);
