// `npm run generate`: writes the ConfigHubRepository CRD, generated from src/api, to crds/ and to the
// Helm chart. test/packaging/crd-generated.test.ts fails while the files differ from what this writes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { CRD_FILES, REPO_ROOT, renderCrd } from './crd/render.ts';

const text = renderCrd();
for (const file of CRD_FILES) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  console.log(`wrote ${relative(REPO_ROOT, file)}`);
}
