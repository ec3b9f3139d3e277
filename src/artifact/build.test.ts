import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../util/hash.ts';
import { type BuildEngine, buildReservation, buildTarGzFile, createBuildEngine } from './build.ts';
import { BuildLimitError, InvalidUnitError } from './errors.ts';
import { type UnitInput, unitsToFiles } from './layout.ts';
import { buildTarGz } from './tarball.ts';

let engine: BuildEngine;
let dir: string;
let n = 0;
beforeAll(async () => {
  engine = createBuildEngine({ memoryLimitBytes: 256 * 2 ** 20, workers: 1 });
  dir = await mkdtemp(join(tmpdir(), 'build-test-'));
});
afterAll(async () => {
  await engine.close();
  await rm(dir, { recursive: true, force: true });
});

const unit = (slug: string, text: string, dataHash?: string): UnitInput => ({
  slug,
  toolchainType: 'Kubernetes/YAML',
  data: Buffer.from(text),
  ...(dataHash ? { dataHash } : {}),
});
const cm = (name: string, namespace?: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${namespace ? `  namespace: ${namespace}\n` : ''}`;
const build = (units: UnitInput[], signal = new AbortController().signal) =>
  buildTarGzFile(engine, {
    units,
    target: join(dir, `out-${n++}.tgz`),
    signal,
    budgetName: 'spec.timeout (60s)',
  });

describe('buildTarGzFile', () => {
  it.each([
    ['a small artifact (compressed in one piece)', 0],
    ['a large one (streamed through gzip)', 1_500_000],
  ])('writes exactly the bytes of the in-memory builder, with their sha256: %s', async (_name, extra) => {
    const big = `${cm('big')}data:\n  blob: "${'x'.repeat(extra)}"\n`;
    const units = [
      unit('web', cm('web')),
      unit('db', `${cm('db')}---\n${cm('db-2')}`),
      unit('empty', ''),
      ...(extra > 0 ? [unit('big', big)] : []),
    ];
    const target = join(dir, `same-${extra}.tgz`);
    const built = await buildTarGzFile(engine, {
      units,
      target,
      signal: new AbortController().signal,
      budgetName: 'x',
    });
    const expected = await buildTarGz(unitsToFiles(units));
    const written = await readFile(target);
    expect(written.equals(expected)).toBe(true);
    expect(built).toEqual({ hex: sha256Hex(expected), size: expected.length, objects: extra > 0 ? 4 : 3 });
  });

  it('refuses two units declaring the same object, naming both', async () => {
    const error = await build([unit('a', cm('same', 'shop')), unit('b', cm('same', 'shop'))]).catch((e) => e);
    expect(error).toBeInstanceOf(InvalidUnitError);
    expect(error.message).toBe(
      `unit "b" is not valid Kubernetes YAML at line 1, column 1: ConfigMap shop/same is declared also in unit 'a'; kustomize refuses duplicate objects`,
    );
  });

  it('treats an empty namespace as default and ignores the version, as kustomize does', async () => {
    const v1 = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n';
    const beta = 'apiVersion: apps/v1beta2\nkind: Deployment\nmetadata: {name: web, namespace: default}\n';
    await expect(build([unit('a', v1), unit('b', beta)])).rejects.toThrow(/Deployment default\/web/);
    // Different groups or namespaces are different objects; a Namespace has no namespace.
    await expect(build([unit('a', cm('x', 'one')), unit('b', cm('x', 'two'))])).resolves.toMatchObject({
      objects: 2,
    });
    const ns = (name: string, namespace: string) =>
      `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${name}, namespace: ${namespace}}\n`;
    await expect(build([unit('a', ns('shop', 'x')), unit('b', ns('shop', 'y'))])).rejects.toThrow(
      /Namespace shop is declared/,
    );
  });

  it('with a kustomization unit: refuses duplicates among the units it builds, and its policy in the worker', async () => {
    const own = (resources: string) =>
      unit(
        'kustomization',
        `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: ${resources}\n`,
      );
    const twins = [unit('a', cm('same')), unit('b', cm('same'))];
    await expect(build([...twins, own('[a.yaml]')])).resolves.toMatchObject({ objects: 3 });
    await expect(build([...twins, own('[a.yaml, b.yaml]')])).rejects.toThrow(
      /ConfigMap default\/same is declared also in unit 'a'/,
    );
    await expect(build([...twins, own('[https://example.com/x]')])).rejects.toThrow(
      /unit "kustomization" is refused by the kustomization policy: resources entry "https:\/\/example.com\/x" is a remote location/,
    );
    await expect(build([...twins, own('[gone.yaml]')])).rejects.toThrow(
      /"gone.yaml" is not a file of the artifact/,
    );
  });

  it('validates unchanged content once: the cache answers by DataHash', async () => {
    const hash = 'ab'.repeat(32);
    const before = engine.cache.count;
    await build([unit('cached', cm('cached'), hash)]);
    expect(engine.cache.count).toBe(before + 1);
    const started = engine.validator.started;
    // Same hash, content the worker would refuse: the cached verdict is used, no worker is asked.
    await expect(build([unit('cached', 'not: [valid', hash)])).resolves.toMatchObject({ objects: 1 });
    expect(engine.validator.started).toBe(started);
  });

  it('a time budget that runs out is a BuildLimitError naming the budget, and nothing is left half-written', async () => {
    const stop = new AbortController();
    stop.abort(new DOMException('The operation timed out.', 'TimeoutError'));
    const error = await build([unit('late', cm('late'))], stop.signal).catch((e) => e);
    expect(error).toBeInstanceOf(BuildLimitError);
    expect(error.message).toMatch(/^building the artifact took longer than spec\.timeout \(60s\)/);
  });
});

describe('buildReservation', () => {
  it('is the data, twelve times the largest unit for its parse, and a fixed 8 MiB', () => {
    const MiB = 2 ** 20;
    expect(buildReservation([6 * MiB])).toBe(86 * MiB);
    expect(buildReservation([1 * MiB, 3 * MiB, 2 * MiB])).toBe((6 + 36 + 8) * MiB);
    expect(buildReservation([])).toBe(8 * MiB);
  });
});
