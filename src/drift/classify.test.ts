import { describe, expect, it } from 'vitest';
import { classify } from './classify.ts';

const c = (path: string, desired: unknown, live: unknown, kind = 'Deployment') =>
  classify(kind, path.split('/').slice(1), desired, live);

describe('classify', () => {
  it('tells a tag bump from a different image repository', () => {
    expect(c('/spec/template/spec/containers/0/image', 'ghcr.io/a/web:1', 'ghcr.io/a/web:2')).toEqual({
      classification: 'image',
      severity: 'warning',
    });
    expect(
      c('/spec/template/spec/containers/0/image', 'ghcr.io/a/web:1', 'docker.io/evil/web:1').severity,
    ).toBe('critical');
    expect(
      c('/spec/template/spec/containers/0/image', 'registry:5000/web', 'registry:5000/web:2').severity,
    ).toBe('warning');
  });

  it('grades scaling by direction', () => {
    expect(c('/spec/replicas', 2, 5).severity).toBe('info');
    expect(c('/spec/replicas', 3, 1).severity).toBe('warning');
    expect(c('/spec/replicas', 3, 0).severity).toBe('critical');
  });

  it('names references, ports, volumes, resources, selectors and metadata', () => {
    const env = '/spec/template/spec/containers/0/env/0/valueFrom';
    expect(c(`${env}/secretKeyRef/name`, 'a', 'b').classification).toBe('secret-ref');
    expect(c(`${env}/configMapKeyRef/key`, 'a', 'b').classification).toBe('configmap-ref');
    expect(c('/spec/template/spec/containers/0/env/1/value', 'a', 'b').classification).toBe('config');
    expect(c('/spec/template/spec/containers/0/ports/0/containerPort', 80, 81).classification).toBe('ports');
    expect(c('/spec/template/spec/volumes/0/emptyDir', {}, undefined).classification).toBe('volumes');
    expect(c('/spec/template/spec/containers/0/resources/limits/cpu', '1', '2').classification).toBe(
      'resources',
    );
    expect(c('/spec/selector/matchLabels/app', 'a', 'b')).toEqual({
      classification: 'labels',
      severity: 'critical',
    });
    expect(c('/metadata/labels/team', 'a', 'b')).toEqual({ classification: 'labels', severity: 'info' });
    expect(c('/metadata/annotations/note', 'a', undefined).classification).toBe('annotations');
    expect(c('/data/password', '***', '***', 'Secret')).toEqual({
      classification: 'config',
      severity: 'critical',
    });
    expect(c('/spec/paused', undefined, true).classification).toBe('extra-field');
    expect(classify('Service', [], undefined, undefined).classification).toBe('missing-object');
  });
});
