import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildTarGz } from '../artifact/index.ts';
import { ArtifactReadError, desiredObjects, readTarGz } from './desired.ts';

const enc = (s: string) => new TextEncoder().encode(s);

describe('desired objects', () => {
  it('reads every object of every YAML file, skipping kustomize files and non-objects', () => {
    const objects = desiredObjects([
      {
        path: 'a.yaml',
        data: enc('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: x}\n---\n---\nfoo: 1\n'),
      },
      {
        path: 'kustomization.yaml',
        data: enc('apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nmetadata: {name: k}\n'),
      },
      { path: 'app.json', data: enc('{}') },
    ]);
    expect(objects.map((o) => `${o.kind}/${o.namespace}/${o.name}`)).toEqual(['ConfigMap/x/a']);
  });

  it('names the file of invalid YAML', () => {
    expect(() => desiredObjects([{ path: 'bad.yaml', data: enc('a: [') }])).toThrow(/bad\.yaml/);
  });

  it('reads our tar.gz and refuses damaged archives', async () => {
    const bytes = await buildTarGz([
      { path: 'a.yaml', data: enc('x: 1\n') },
      { path: 'dir/b.yaml', data: enc('y: 2\n') },
    ]);
    expect(readTarGz(bytes).map((f) => [f.path, Buffer.from(f.data).toString()])).toEqual([
      ['a.yaml', 'x: 1\n'],
      ['dir/b.yaml', 'y: 2\n'],
    ]);
    expect(() => readTarGz(enc('not gzip'))).toThrow(ArtifactReadError);
    const header = Buffer.alloc(512);
    header.write('a.yaml', 0);
    header.write('00000001000\0', 124);
    header.write('0', 156);
    expect(() => readTarGz(gzipSync(header))).toThrow(/truncated/);
  });
});
