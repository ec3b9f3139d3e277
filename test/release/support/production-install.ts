// The production install, shared by the test that runs it and the Dockerfile test that checks the image
// runs the same one: dependencies only, straight from the lockfile, no install scripts.
import { cpSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../packaging/support/paths.ts';

export const PRODUCTION_INSTALL = ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'];
/** The controller's process entry in the package and in the image; the CLI's is the bin. */
export const CONTROLLER_ENTRY = 'dist/main.js';
export const CLI_ENTRY = 'bin/confighub-source.js';

/** The files `npm ci` reads, copied to an empty directory. */
export function copyManifests(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const file of ['package.json', 'package-lock.json']) cpSync(join(REPO_ROOT, file), join(dir, file));
}

/** Bytes on disk under a directory, as `du -sk` counts them (allocated 512-byte blocks). */
export function diskUsage(dir: string): number {
  let total = 0;
  const seen = new Set<number>();
  const walk = (path: string) => {
    const stat = lstatSync(path);
    if (seen.has(stat.ino)) return;
    seen.add(stat.ino);
    total += stat.blocks * 512;
    if (stat.isDirectory()) for (const entry of readdirSync(path)) walk(join(path, entry));
  };
  walk(dir);
  return total;
}
