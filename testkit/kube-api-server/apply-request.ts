// An apply patch request: option and body checks, then create-or-merge through the object rules.

import { serverSideApply } from './apply.ts';
import { badRequest, conflict, invalid, notFound, STALE_RV } from './errors.ts';
import { decodeYaml } from './http.ts';
import { groupResource, type ObjectService } from './objects.ts';
import { apiVersionOf, type KubeObject, type ResourceDef } from './types.ts';
import type { FieldValidation } from './validation.ts';

export interface ApplyRequest {
  def: ResourceDef;
  namespace: string | undefined;
  name: string;
  subresource: string | undefined;
  body: string;
  manager: string | null;
  force: boolean;
  dryRun: boolean;
  fieldValidation: FieldValidation;
}

/** 201 with the created object when it did not exist, else 200 with the merged one. */
export const applyRequest = (
  objects: ObjectService,
  req: ApplyRequest,
): { status: number; object: KubeObject } => {
  const { def, namespace, name, subresource, manager } = req;
  if (!manager) {
    // PatchOptions validation, as the real server words it.
    throw invalid('PatchOptions', 'meta.k8s.io', '', [
      {
        reason: 'FieldValueRequired',
        field: 'fieldManager',
        message: 'Required value: is required for apply patch',
      },
    ]);
  }
  const applied = decodeYaml(req.body) as KubeObject;
  if (applied === null || typeof applied !== 'object' || Array.isArray(applied)) {
    throw badRequest('the body of an apply patch must be an object');
  }
  const expectedApiVersion = apiVersionOf(def.group, def.version);
  if (!applied.apiVersion || !applied.kind)
    throw badRequest('apiVersion and kind must be set in an apply patch');
  if (applied.apiVersion !== expectedApiVersion || applied.kind !== def.kind) {
    throw badRequest(
      `the API version in the data (${String(applied.apiVersion)}) does not match the expected API version (${expectedApiVersion})`,
    );
  }
  applied.metadata ??= {};
  if (applied.metadata.name !== undefined && applied.metadata.name !== name) {
    throw badRequest(
      `the name of the object (${applied.metadata.name}) does not match the name on the URL (${name})`,
    );
  }
  if (applied.metadata.managedFields !== undefined) throw badRequest('metadata.managedFields must be nil');
  applied.metadata.name = name;

  const live = objects.find(def, namespace, name);
  if (!live && subresource) throw notFound(groupResource(def), name);
  // A resourceVersion in an apply configuration is a precondition.
  const rv = applied.metadata.resourceVersion;
  if (live && rv && rv !== live.metadata.resourceVersion) throw conflict(groupResource(def), name, STALE_RV);
  delete applied.metadata.resourceVersion;

  const merged = serverSideApply({
    def,
    live,
    applied,
    manager,
    force: req.force,
    subresource,
    time: objects.timestamp(),
  });
  const options = { dryRun: req.dryRun, apply: true, fieldValidation: req.fieldValidation };
  if (!live) return { status: 201, object: objects.create(def, namespace, merged, options) };
  return { status: 200, object: objects.update(def, namespace, name, merged, { ...options, subresource }) };
};
