// Shapes shared by the API server's parts. Objects are plain JSON, as on the wire.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
  managedFields?: ManagedFieldsEntry[];
  [key: string]: unknown;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: JsonObject;
  subresource?: string;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/** A served resource: one group/version/plural, as discovery describes it. */
export interface ResourceDef {
  group: string;
  version: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  /** Whether a `/status` subresource exists (writes to the main resource then ignore status). */
  statusSubresource: boolean;
  /** Whether `metadata.generation` is maintained (custom resources and workload kinds). */
  tracksGeneration: boolean;
  /** Custom resources refuse strategic merge patch; built-ins accept it (treated as a merge patch). */
  custom: boolean;
  /** Structural schema of the object, when known (custom resources). */
  schema?: JsonObject;
  printerColumns: PrinterColumn[];
  /** Storage shared with another group-version of the same kind (e.g. events.k8s.io/v1 Event). */
  storage?: string;
  /** Field mapping between this version and the stored form. */
  conversion?: Conversion;
}

export interface Conversion {
  toStorage: (obj: KubeObject) => KubeObject;
  fromStorage: (obj: KubeObject) => KubeObject;
}

export interface PrinterColumn {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath: string;
}

/** Identifies where objects of a resource are stored: all versions of a group/plural share it. */
export const storageKey = (group: string, plural: string): string => (group ? `${plural}.${group}` : plural);

export const apiVersionOf = (group: string, version: string): string =>
  group ? `${group}/${version}` : version;
