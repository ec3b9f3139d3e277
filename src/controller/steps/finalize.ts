// Deletion: the storage directory and our ExternalArtifact go, what this process remembers about the
// object is dropped, then the finalizer is released so the API server can delete the object.
import { KIND } from '../../api/constants.ts';
import { isNotFound } from '../../kube/errors.ts';
import { resources } from '../../kube/resources.ts';
import { hasFinalizer, releaseFinalizer } from '../finalizer.ts';
import type { ObjectContext } from '../reconcile-context.ts';
import { NEXT, type StepResult, stop } from './runner.ts';

export async function finalize(ctx: ObjectContext): Promise<StepResult> {
  const { object, env } = ctx;
  if (object.metadata.deletionTimestamp === undefined) return NEXT;
  if (!hasFinalizer(object)) return stop({ kind: 'done' });
  const { namespace = '', name, uid } = object.metadata;
  await env.storage.removeObjectDir(namespace, name);
  const ea = env.getExternalArtifact(namespace, name);
  if (ea !== undefined && (ea.metadata.ownerReferences ?? []).some((ref) => ref.uid === uid)) {
    try {
      await env.kube.delete(resources.externalArtifact, namespace, name, { propagationPolicy: 'Background' });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
  await env.upstream.forget(`${namespace}/${name}`);
  env.forget(namespace, name);
  env.metrics.forgetObject(KIND, namespace, name);
  await releaseFinalizer(env.kube, object);
  ctx.log.info('storage and ExternalArtifact removed, finalizer released');
  return stop({ kind: 'done' });
}
