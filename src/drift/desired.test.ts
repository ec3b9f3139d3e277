import { describe, expect, it } from 'vitest';
import { ArtifactReadError } from '../artifact/errors.ts';
import { desiredObjects } from './desired.ts';

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
    const read = () => desiredObjects([{ path: 'bad.yaml', data: enc('a: [') }]);
    expect(read).toThrow(ArtifactReadError);
    expect(read).toThrow(/bad\.yaml/);
  });
});
