// `npm run build` (and `prepack`): compiles src/ without its tests to dist/ with the project's TypeScript
// (tsconfig.build.json). What is published must be JavaScript, since Node refuses to strip types under
// node_modules; the clone itself runs the sources. dist/ is emptied first so that a deleted source never
// leaves a stale module in the package. `--out-dir DIR` compiles elsewhere (the tests do).
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { 'out-dir': { type: 'string' } } });
const outDir = resolve(values['out-dir'] ?? join(root, 'dist'));
const tsc = join(dirname(fileURLToPath(import.meta.resolve('typescript/package.json'))), 'bin/tsc');

rmSync(outDir, { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', outDir], {
  stdio: 'inherit',
});
