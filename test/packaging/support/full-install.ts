// The checks every rendering of the whole installation must pass, whatever rendered it (a kustomize
// overlay, the release's install.yaml): schema-valid objects without duplicates, namespaced where they
// should be, and a correct controller Deployment, Service, RBAC, aggregated roles and CRD.
import { expect } from 'vitest';
import { CONTROLLER_NAME } from '../../../src/api/constants.ts';
import {
  checkAggregatedRoles,
  checkControllerRbac,
  checkCrd,
  checkDeployment,
  checkService,
} from './checks.ts';
import type { KubeObject } from './objects.ts';
import { validateObject } from './schemas.ts';

export function expectAllValid(objects: readonly KubeObject[]): void {
  expect(objects.length).toBeGreaterThan(0);
  const ids = objects.map(
    (o) => `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`,
  );
  expect(new Set(ids).size, 'duplicate objects').toBe(ids.length);
  for (const o of objects) validateObject(o);
}

export function expectFullInstall(
  objects: readonly KubeObject[],
  namespace: string,
  data: 'emptyDir' | 'persistentVolumeClaim',
) {
  expectAllValid(objects);
  for (const o of objects) {
    const clusterScoped = [
      'CustomResourceDefinition',
      'ClusterRole',
      'ClusterRoleBinding',
      'Namespace',
    ].includes(o.kind);
    expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe(clusterScoped ? undefined : namespace);
  }
  const deployment = checkDeployment(objects, {
    name: CONTROLLER_NAME,
    namespace,
    serviceName: CONTROLLER_NAME,
    data,
  });
  checkService(objects, CONTROLLER_NAME, deployment as KubeObject);
  checkControllerRbac(objects, {
    serviceAccount: CONTROLLER_NAME,
    namespace,
    deployment: deployment as KubeObject,
  });
  checkAggregatedRoles(objects, 'confighub-source-view', 'confighub-source-edit');
  checkCrd(objects);
  return deployment as KubeObject;
}
