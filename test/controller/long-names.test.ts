// Object names go to 253 characters but label values stop at 63: a long-named repository must still be
// published, and its ExternalArtifact must stay selectable by the repository-name label.
import { expect, it } from 'vitest';
import { repositoryNameLabelValue } from '../../src/api/name-label.ts';
import { useLocalStack } from '../support/local-stack.ts';
import { condition, EA, type Repo } from '../support/repositories.ts';

const stack = useLocalStack();

// 253 characters, dots and dashes included, as a DNS subdomain may be.
const LONG_NAME = `${'a'.repeat(60)}.${'b-c'.repeat(40)}.${'d'.repeat(71)}`;

it('a repository with a 253-character name becomes Ready with its ExternalArtifact', async () => {
  expect(LONG_NAME).toHaveLength(253);
  await stack.createRepository('long', LONG_NAME);
  const repo = await stack.waitForReady('long', LONG_NAME);
  const ea = (await stack.kube.waitForObject(EA, 'long', LONG_NAME, (o) =>
    Boolean(condition(o, 'Ready')),
  )) as Repo;
  expect(condition(ea, 'Ready')?.status).toBe('True');
  expect(ea.status?.artifact).toEqual(repo.status?.artifact);
  const label = ea.metadata.labels?.['source.confighub.com/name'];
  expect(label).toBe(repositoryNameLabelValue(LONG_NAME));
  expect(label!.length).toBeLessThanOrEqual(63);
  expect(ea.metadata.annotations?.['source.confighub.com/name']).toBe(LONG_NAME);
  // Selectable through the API by the label, as consumers and `kubectl get -l` select it.
  const selected = await fetch(
    `${stack.kube.url}/apis/source.toolkit.fluxcd.io/v1/namespaces/long/externalartifacts?labelSelector=${encodeURIComponent(`source.confighub.com/name=${label}`)}`,
    { headers: { authorization: `Bearer ${stack.kubeConfig.getCurrentUser()!.token}` } },
  );
  const body = (await selected.json()) as { items: Repo[] };
  expect(body.items.map((item) => item.metadata.name)).toEqual([LONG_NAME]);
  // Nothing was refused on the way (a 422 would be retried forever).
  expect(stack.kube.requests.filter((r) => r.status === 422)).toEqual([]);
});

it('short names are their own label value; long ones hash to distinct valid values', () => {
  expect(repositoryNameLabelValue('shop')).toBe('shop');
  const other = `${LONG_NAME.slice(0, 252)}e`;
  expect(repositoryNameLabelValue(other)).not.toBe(repositoryNameLabelValue(LONG_NAME));
  for (const value of [repositoryNameLabelValue(other), repositoryNameLabelValue(`${'x-'.repeat(126)}y`)]) {
    expect(value).toMatch(/^[a-z0-9]([-a-z0-9_.]*[a-z0-9])?$/);
    expect(value.length).toBeLessThanOrEqual(63);
  }
});
