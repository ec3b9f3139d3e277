import { describe, expect, it } from 'vitest';
import { IgnoreRules, InvalidIgnoreRuleError, isIgnored, optOutOf } from './ignore.ts';

const web = { group: 'apps', version: 'v1', kind: 'Deployment', name: 'web', namespace: 'shop' };

describe('ignore rules', () => {
  it('matches targets as whole regular expressions and paths as prefixes', () => {
    const rules = new IgnoreRules([
      { paths: ['/spec/replicas'], target: { kind: 'Deploy.*' } },
      { paths: ['/metadata/annotations/a~1b'], target: { name: 'we' } },
      { paths: [''], target: { namespace: 'kube-.*' } },
    ]);
    const paths = rules.pathsFor(web);
    expect(paths).toEqual([['spec', 'replicas']]);
    expect(isIgnored(['spec', 'replicas'], paths)).toBe(true);
    expect(isIgnored(['spec', 'template'], paths)).toBe(false);
    expect(rules.pathsFor({ ...web, name: 'we' })).toContainEqual(['metadata', 'annotations', 'a/b']);
    expect(rules.pathsFor({ ...web, namespace: 'kube-system' })).toContainEqual([]);
  });

  it('treats an invalid expression literally instead of failing', () => {
    expect(new IgnoreRules([{ paths: ['/x'], target: { name: 'web(' } }]).pathsFor(web)).toEqual([]);
  });

  it('names an unusable path of our own rules and skips one of another controller', () => {
    const rules = [{ paths: ['/spec/replicas', 'spec/paused'] }];
    expect(() => new IgnoreRules(rules, 'spec.drift.ignore')).toThrow(InvalidIgnoreRuleError);
    expect(() => new IgnoreRules(rules, 'spec.drift.ignore')).toThrow(
      'spec.drift.ignore[0].paths[1]: invalid JSON pointer "spec/paused": must start with /',
    );
    expect(new IgnoreRules(rules).pathsFor(web)).toEqual([['spec', 'replicas']]);
  });

  it('honours Flux and ConfigHub opt-outs, case-insensitively', () => {
    expect(optOutOf({ annotations: { 'kustomize.toolkit.fluxcd.io/reconcile': 'Disabled' } })).toBeDefined();
    expect(optOutOf({ labels: { 'helm.toolkit.fluxcd.io/driftDetection': 'disabled' } })).toBeDefined();
    expect(
      optOutOf(undefined, { annotations: { 'kustomize.toolkit.fluxcd.io/ssa': 'IfNotPresent' } }),
    ).toBeDefined();
    expect(optOutOf({ annotations: { 'source.confighub.com/drift': 'disabled' } })).toBeDefined();
    expect(optOutOf({ annotations: { 'kustomize.toolkit.fluxcd.io/ssa': 'Merge' } })).toBeUndefined();
  });
});
