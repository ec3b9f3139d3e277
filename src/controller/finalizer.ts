// Our finalizer on ConfigHubRepositories: added before anything is stored, released after the storage
// directory and the ExternalArtifact are gone. Both writes carry the resourceVersion as a precondition,
// so a concurrent change gives 409 and a retry, never a lost finalizer of another controller.
import { FINALIZER } from '../api/constants.ts';
import type { RepositoryObject } from '../api/v1beta1.ts';
import type { KubeObjectApi } from '../kube/client.ts';
import { isNotFound } from '../kube/errors.ts';
import { resources } from '../kube/resources.ts';

export function hasFinalizer(object: RepositoryObject): boolean {
  return (object.metadata.finalizers ?? []).includes(FINALIZER);
}

export async function addFinalizer(kube: KubeObjectApi, object: RepositoryObject): Promise<RepositoryObject> {
  const { namespace, name, resourceVersion } = object.metadata;
  return await kube.patch<RepositoryObject>(resources.repository, namespace, name, 'merge', {
    metadata: { finalizers: [...(object.metadata.finalizers ?? []), FINALIZER], resourceVersion },
  });
}

export async function releaseFinalizer(kube: KubeObjectApi, object: RepositoryObject): Promise<void> {
  const { namespace, name, resourceVersion } = object.metadata;
  try {
    await kube.patch(resources.repository, namespace, name, 'merge', {
      metadata: {
        finalizers: (object.metadata.finalizers ?? []).filter((f) => f !== FINALIZER),
        resourceVersion,
      },
    });
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}
