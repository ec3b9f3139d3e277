// Schema validation of rendered objects, offline:
// - built-in kinds through kubernetes-models (JSON schemas generated from Kubernetes' OpenAPI: types,
//   enums, required fields), plus a check for fields the API server would drop (unknown-fields.ts);
// - custom resources through the openAPIV3Schema of their CRD (the project's, or Flux's from ../shared),
//   closed against unknown fields the way the API server prunes them.
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import ajvFormats from 'ajv-formats';
import { CustomResourceDefinition } from 'kubernetes-models/apiextensions.k8s.io/v1/CustomResourceDefinition';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { parse } from 'yaml';
import type { KubeObject } from './objects.ts';
import { FLUX_KUSTOMIZATION_CRD, PROJECT_CRD, sharedCrdsPresent } from './paths.ts';
import { unknownFields } from './unknown-fields.ts';

interface Validatable {
  validate(): void;
}
type ModelConstructor = new (data: never) => Validatable;

const BUILT_IN: Record<string, ModelConstructor> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Namespace': Namespace,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'apps/v1/Deployment': Deployment,
  'apiextensions.k8s.io/v1/CustomResourceDefinition': CustomResourceDefinition,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding,
  'rbac.authorization.k8s.io/v1/Role': Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding,
};

/** Kinds with no schema available offline; their tests check them structurally. */
const STRUCTURAL_ONLY = new Set(['monitoring.coreos.com/v1/ServiceMonitor']);

const ajv = new Ajv({ strict: false, allErrors: true });
// ajv-formats is CommonJS: its plugin is the module's `default` export.
ajvFormats.default(ajv);
// Kubernetes' integer formats are not JSON-schema formats; the type keyword already checks them.
ajv.addFormat('int32', true);
ajv.addFormat('int64', true);

/**
 * Structural schemas prune fields they do not declare; make that an error, except where the schema keeps
 * unknown fields or declares a map (additionalProperties).
 */
function closed(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closed);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema))
    out[key] = key === 'default' || key === 'enum' ? value : closed(value);
  if (
    out['properties'] !== undefined &&
    out['additionalProperties'] === undefined &&
    out['x-kubernetes-preserve-unknown-fields'] !== true
  ) {
    out['additionalProperties'] = false;
  }
  return out;
}

/** One validator per served version of a CRD, keyed `group/version/Kind`. */
function crdValidators(file: string): [string, ValidateFunction][] {
  const crd = parse(readFileSync(file, 'utf8')) as {
    spec: {
      group: string;
      names: { kind: string };
      versions: { name: string; served: boolean; schema: { openAPIV3Schema: object } }[];
    };
  };
  return crd.spec.versions
    .filter((v) => v.served)
    .map((v) => [
      `${crd.spec.group}/${v.name}/${crd.spec.names.kind}`,
      ajv.compile(closed(v.schema.openAPIV3Schema) as object),
    ]);
}

const CUSTOM = new Map<string, ValidateFunction>(
  [PROJECT_CRD, ...(sharedCrdsPresent ? [FLUX_KUSTOMIZATION_CRD] : [])].flatMap(crdValidators),
);

export const KNOWN_TYPES = new Set([...Object.keys(BUILT_IN), ...CUSTOM.keys(), ...STRUCTURAL_ONLY]);

/** Throws with the object's identity and the schema errors when the object does not validate. */
export function validateObject(obj: KubeObject): 'schema' | 'structural' {
  const type = `${obj.apiVersion}/${obj.kind}`;
  const id = `${type} ${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
  const Model = BUILT_IN[type];
  if (Model) {
    try {
      new Model(obj as never).validate();
    } catch (error) {
      throw new Error(`${id}: ${error instanceof Error ? error.message : String(error)}`);
    }
    const [group, version] = obj.apiVersion.includes('/') ? obj.apiVersion.split('/') : ['', obj.apiVersion];
    const unknown = unknownFields(group ? `${group}/${version}` : version!, obj.kind, obj);
    if (unknown === undefined) throw new Error(`${id}: no field list for this kind`);
    if (unknown.length > 0) throw new Error(`${id}: fields the API server would drop: ${unknown.join(', ')}`);
    return 'schema';
  }
  const custom = CUSTOM.get(type);
  if (custom) {
    if (!custom(obj)) throw new Error(`${id}: ${ajv.errorsText(custom.errors)}`);
    return 'schema';
  }
  if (STRUCTURAL_ONLY.has(type)) return 'structural';
  throw new Error(`${id}: unknown apiVersion/kind`);
}
