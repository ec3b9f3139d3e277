// Round trip (checklist 29): what we pack, standard extractors and Flux's untar rules unpack to
// exactly the input tree, with the modes we chose.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { x as extract } from 'tar';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ArtifactFile, buildTarGz, unitsToFiles } from '../../src/artifact/index.ts';
import { fluxTree, readTarGz } from './helpers/tar-reader.ts';

const run = promisify(execFile);
const GNU_TAR = '/usr/bin/tar';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'roundtrip-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const files: ArtifactFile[] = [
  ...unitsToFiles([
    {
      slug: 'web',
      toolchainType: 'Kubernetes/YAML',
      data: Buffer.from('apiVersion: v1\nkind: Service\nmetadata: {name: web}\n'),
    },
    {
      slug: 'db',
      toolchainType: 'Kubernetes/YAML',
      data: Buffer.from('apiVersion: v1\nkind: Service\nmetadata: {name: db}\n'),
    },
  ]),
  { path: 'nested/deeper/file.bin', data: Uint8Array.from({ length: 1500 }, (_, i) => i % 256) },
  { path: 'nested/run.sh', data: Buffer.from('#!/bin/sh\n'), executable: true },
  { path: `${'p'.repeat(80)}/${'q'.repeat(60)}/${'r'.repeat(90)}.yaml`, data: Buffer.from('long: path\n') },
  { path: 'empty', data: new Uint8Array() },
];

async function walk(root: string, prefix = ''): Promise<Map<string, { data: Buffer | null; mode: number }>> {
  const result = new Map<string, { data: Buffer | null; mode: number }>();
  for (const entry of await readdir(join(root, prefix), { withFileTypes: true })) {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    const info = await lstat(join(root, path));
    if (entry.isDirectory()) {
      result.set(path, { data: null, mode: info.mode & 0o777 });
      for (const [k, v] of await walk(root, path)) result.set(k, v);
    } else {
      result.set(path, { data: await readFile(join(root, path)), mode: info.mode & 0o777 });
    }
  }
  return result;
}

/** Compares the regular files of an extracted tree (directories map to null) with the input. */
function expectSameFiles(tree: Map<string, Buffer | null>) {
  const got = [...tree].filter((entry): entry is [string, Buffer] => entry[1] !== null);
  expect(got.map(([path]) => path).sort()).toEqual(files.map((f) => f.path).sort());
  for (const [path, data] of got) {
    const input = files.find((f) => f.path === path)!;
    expect(Buffer.from(input.data).equals(data), path).toBe(true);
  }
}

const contents = (tree: Map<string, { data: Buffer | null }>) =>
  new Map([...tree].map(([path, value]) => [path, value.data]));

describe('round trip', () => {
  it('Flux untar rules reproduce the input tree', async () => {
    const { entries } = readTarGz(await buildTarGz(files));
    expectSameFiles(fluxTree(entries));
  });

  it('the tar package extracts the input tree with the chosen modes', async () => {
    const archive = join(dir, 'a.tar.gz');
    const out = join(dir, 'out');
    await writeFile(archive, await buildTarGz(files));
    await mkdir(out);
    await extract({ file: archive, cwd: out, strict: true, preserveOwner: false });
    const tree = await walk(out);
    expectSameFiles(contents(tree));
    expect(tree.get('nested')!.mode).toBe(0o750 & ~process.umask());
    expect(tree.get('nested/run.sh')!.mode).toBe(0o700 & ~process.umask());
    expect(tree.get('web.yaml')!.mode).toBe(0o600 & ~process.umask());
  });

  it.skipIf(!existsSync(GNU_TAR))('GNU tar lists and verifies the archive without warnings', async () => {
    const archive = join(dir, 'a.tar.gz');
    await writeFile(archive, await buildTarGz(files));
    const { stdout, stderr } = await run(GNU_TAR, ['--numeric-owner', '-tvzf', archive]);
    expect(stderr).toBe('');
    const lines = stdout.trim().split('\n');
    for (const line of lines)
      expect(line).toMatch(/^(-rw-------|-rwx------|drwxr-x---) 0\/0 +\d+ 1970-01-01 00:00 /);
    const out = join(dir, 'gnu');
    await mkdir(out);
    await run(GNU_TAR, ['-xzf', archive, '-C', out]);
    expectSameFiles(contents(await walk(out)));
  });
});
