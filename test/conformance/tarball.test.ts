// Conformance checklist 22-29: the bytes of the published tar.gz, as downloaded from the running
// controller, read with a strict ustar reader and extracted with Flux's rules.
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { fluxTree, readTarGz, type TarEntry } from '../artifact/helpers/tar-reader.ts';
import { useLocalStack } from '../support/local-stack.ts';
import { download, type Repo } from '../support/repositories.ts';

const stack = useLocalStack();
let repo: Repo;
let bytes: Buffer;
let entries: TarEntry[];

beforeAll(async () => {
  await stack.createRepository('team-a', 'shop');
  repo = await stack.waitForReady('team-a', 'shop');
  const response = await download(repo.status!.artifact!.url);
  expect(response.status).toBe(200);
  bytes = response.bytes;
  entries = readTarGz(bytes).entries;
});

describe('tarball content', () => {
  it('22. the file starts with gzip magic 1f 8b and decompresses into a complete tar stream', () => {
    expect([...bytes.subarray(0, 2)]).toEqual([0x1f, 0x8b]);
    const tar = gunzipSync(bytes);
    expect(tar.length % 512).toBe(0);
    const { entries: read, trailingZeroBlocks } = readTarGz(bytes);
    expect(read.length).toBeGreaterThan(1);
    // A complete stream ends with (at least) two zero blocks.
    expect(trailingZeroBlocks).toBeGreaterThanOrEqual(2);
  });

  it('23. every entry is a regular file or a directory: no links, devices, FIFOs or PAX headers', () => {
    for (const entry of entries) expect(['0', '\0', '5'], entry.name).toContain(entry.type);
    expect(entries.every((e) => e.linkname === '')).toBe(true);
  });

  it('24. every entry name is non-empty, /-separated, relative, without "\\" or ".." segments, and unique', () => {
    const names = entries.map((e) => e.name.replace(/\/$/, ''));
    for (const name of names) {
      expect(name.length, name).toBeGreaterThan(0);
      expect(name.startsWith('/'), name).toBe(false);
      expect(name.includes('\\'), name).toBe(false);
      expect(name.split('/'), name).not.toContain('..');
    }
    expect(new Set(names).size).toBe(names.length);
  });

  it('25. every entry has uid=gid=0, empty uname/gname and mtime 0', () => {
    for (const entry of entries) {
      expect(
        { uid: entry.uid, gid: entry.gid, uname: entry.uname, gname: entry.gname, mtime: entry.mtime },
        entry.name,
      ).toEqual({
        uid: 0,
        gid: 0,
        uname: '',
        gname: '',
        mtime: 0,
      });
    }
  });

  it('26. file modes are 0600/0644 (0700/0755 if executable), directory modes 0750/0755, all owner-readable', () => {
    for (const entry of entries) {
      const mode = entry.mode & 0o7777;
      if (entry.type === '5') expect([0o750, 0o755], entry.name).toContain(mode);
      else expect([0o600, 0o644, 0o700, 0o755], entry.name).toContain(mode);
      expect(mode & 0o400, entry.name).toBe(0o400);
    }
  });

  it('27. entries appear in byte-wise lexical order, depth-first, each directory before its contents', () => {
    const names = entries.map((e) => e.name.replace(/\/$/, ''));
    const sorted = [...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect(names).toEqual(sorted);
    names.forEach((name, index) => {
      const parent = name.includes('/') ? name.slice(0, name.lastIndexOf('/')) : undefined;
      if (parent !== undefined) expect(names.indexOf(parent), name).toBeLessThan(index);
    });
  });

  it('28. building twice from the same input produces byte-identical files', async () => {
    await stack.createRepository('team-twin', 'shop');
    const twin = await stack.waitForReady('team-twin', 'shop');
    expect(twin.status!.artifact!.path).not.toBe(repo.status!.artifact!.path);
    const again = await download(twin.status!.artifact!.url);
    expect(again.bytes.equals(bytes)).toBe(true);
  });

  it('29. extracting with Flux rules reproduces exactly the input tree', async () => {
    // Two toolchains, so the tree has both Kubernetes files and an application config file.
    await stack.createRepository('team-tree', 'shop', {
      toolchains: ['Kubernetes/YAML', 'AppConfig/Properties'],
    });
    const tree = await stack.waitForReady('team-tree', 'shop');
    const extracted = fluxTree(readTarGz((await download(tree.status!.artifact!.url)).bytes).entries);
    const files = new Map([...extracted].filter(([, content]) => content !== null));

    const expected = new Map<string, string>();
    const kubernetes: string[] = [];
    for (const { slug } of tree.status!.fetched!.units!) {
      const unit = stack.emulator.getUnit('shop-prod', slug);
      const file = unit.ToolchainType === 'Kubernetes/YAML' ? `${slug}.yaml` : `${slug}.properties`;
      if (unit.ToolchainType === 'Kubernetes/YAML') kubernetes.push(file);
      expected.set(file, unit.text);
    }
    expect([...expected.keys()].some((f) => f.endsWith('.properties'))).toBe(true);
    for (const [file, text] of expected) expect(files.get(file)?.toString('utf8'), file).toBe(text);
    // The only file not taken from a unit is the generated kustomization listing the Kubernetes files.
    expect([...files.keys()].filter((f) => !expected.has(f))).toEqual(['kustomization.yaml']);
    const kustomization = files.get('kustomization.yaml')!.toString('utf8');
    for (const file of kubernetes) expect(kustomization).toContain(`- ${file}`);
    expect(kustomization).not.toContain('.properties');
  });
});
