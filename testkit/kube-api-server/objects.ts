// Object lifecycle rules of the generic registry: create, update, status, delete, finalizers, generation.

import { randomUUID } from 'node:crypto';
import { recordUpdate } from './apply.ts';
import { deepEqual } from './equality.ts';
import { ApiError, alreadyExists, badRequest, conflict, invalid, notFound, STALE_RV } from './errors.ts';
import { validateObjectMeta } from './metadata.ts';
import type { Store } from './storage.ts';
import { apiVersionOf, type KubeObject, type ObjectMeta, type ResourceDef, storageKey } from './types.ts';
import { admitObject, type FieldValidation, validateName } from './validation.ts';

export const FOREGROUND_FINALIZER = 'foregroundDeletion';
export const ORPHAN_FINALIZER = 'orphan';

export interface WriteOptions {
  dryRun?: boolean;
  subresource?: string | undefined;
  /** Field manager recorded in managedFields for this write. */
  manager?: string | undefined;
  /** Server-side apply already computed managedFields. */
  apply?: boolean;
  /** Unknown-field handling (the `fieldValidation` query parameter) and where warnings go. */
  fieldValidation?: FieldValidation;
}

export const resourceOf = (def: ResourceDef): string => def.storage ?? storageKey(def.group, def.plural);
export const groupResource = (def: ResourceDef) => ({ group: def.group, plural: def.plural, kind: def.kind });

/** Served form of a stored object: same content, the requested version's apiVersion (conversion None). */
export const renderAs = (def: ResourceDef, obj: KubeObject): KubeObject => {
  const out = def.conversion ? def.conversion.fromStorage(structuredClone(obj)) : structuredClone(obj);
  out.apiVersion = apiVersionOf(def.group, def.version);
  out.kind = def.kind;
  return out;
};

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** Everything but metadata (and status when it has its own subresource): what `generation` tracks. */
const generationContent = (def: ResourceDef, obj: KubeObject): Record<string, unknown> => {
  const { metadata: _m, apiVersion: _a, kind: _k, ...rest } = obj;
  if (def.statusSubresource) delete rest['status'];
  return rest;
};

const randomSuffix = (): string => {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let out = '';
  for (let i = 0; i < 5; i++) out += alphabet[Math.floor(Math.random() * alphabet.length)];
  return out;
};

/** Namespaces also wait for `spec.finalizers` (the namespace controller's `kubernetes`). */
const namespaceFinalizers = (resource: string, obj: KubeObject): unknown[] => {
  if (resource !== 'namespaces') return [];
  const spec = obj['spec'];
  return isObject(spec) && Array.isArray(spec['finalizers']) ? spec['finalizers'] : [];
};

/** An object minus what a no-op write may legitimately change (RV, managedFields timestamps). */
const comparable = (obj: KubeObject): KubeObject => {
  const { resourceVersion: _rv, managedFields, ...meta } = obj.metadata;
  const fields = managedFields?.map(({ time: _t, ...rest }) => rest);
  return { ...obj, metadata: { ...meta, ...(fields ? { managedFields: fields } : {}) } } as KubeObject;
};

export class ObjectService {
  readonly #store: Store;
  readonly #afterWrite: () => void;
  readonly #now: () => Date;
  readonly #admit: (def: ResourceDef, obj: KubeObject) => void;

  /** `admit` runs kind-specific checks (e.g. CRD structure) before schema validation. */
  constructor(
    store: Store,
    afterWrite: () => void,
    admit: (def: ResourceDef, obj: KubeObject) => void = () => {},
    now: () => Date = () => new Date(),
  ) {
    this.#store = store;
    this.#afterWrite = afterWrite;
    this.#admit = admit;
    this.#now = now;
  }

  timestamp(): string {
    // Kubernetes serialises metav1.Time with second precision.
    return `${this.#now().toISOString().slice(0, 19)}Z`;
  }

  get(def: ResourceDef, namespace: string | undefined, name: string): KubeObject {
    const obj = this.#store.get(resourceOf(def), def.namespaced ? namespace : undefined, name);
    if (!obj) throw notFound(groupResource(def), name);
    return renderAs(def, obj);
  }

  find(def: ResourceDef, namespace: string | undefined, name: string): KubeObject | undefined {
    const obj = this.#store.get(resourceOf(def), def.namespaced ? namespace : undefined, name);
    return obj ? renderAs(def, obj) : undefined;
  }

  #checkBody(def: ResourceDef, namespace: string | undefined, body: unknown): KubeObject {
    if (!isObject(body)) throw badRequest('the body of the request must be a JSON object');
    const obj = structuredClone(body) as KubeObject;
    if (!isObject(obj.metadata)) obj.metadata = {};
    const expectedApiVersion = apiVersionOf(def.group, def.version);
    if (obj.apiVersion !== undefined && obj.apiVersion !== expectedApiVersion) {
      throw badRequest(
        `the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${expectedApiVersion})`,
      );
    }
    if (obj.kind !== undefined && obj.kind !== def.kind) {
      throw badRequest(
        `the kind in the data (${String(obj.kind)}) does not match the expected kind (${def.kind})`,
      );
    }
    obj.apiVersion = expectedApiVersion;
    obj.kind = def.kind;
    if (def.namespaced) {
      if (obj.metadata.namespace && obj.metadata.namespace !== namespace) {
        throw badRequest(
          'the namespace of the provided object does not match the namespace sent on the request',
        );
      }
      obj.metadata.namespace = namespace;
    } else {
      delete obj.metadata.namespace;
    }
    return def.conversion ? def.conversion.toStorage(obj) : obj;
  }

  #requireNamespace(def: ResourceDef, namespace: string | undefined): void {
    if (!def.namespaced) return;
    if (!namespace) throw badRequest('the server could not find the requested resource');
    if (!this.#store.get('namespaces', undefined, namespace)) {
      throw notFound({ group: '', plural: 'namespaces' }, namespace);
    }
  }

  create(
    def: ResourceDef,
    namespace: string | undefined,
    body: unknown,
    opts: WriteOptions = {},
  ): KubeObject {
    this.#requireNamespace(def, namespace);
    const obj = this.#checkBody(def, namespace, body);
    const meta = obj.metadata;
    if (!meta.name && meta.generateName) meta.name = `${meta.generateName}${randomSuffix()}`;
    if (!meta.name) {
      throw invalid(def.kind, def.group, '', [
        {
          reason: 'FieldValueRequired',
          field: 'metadata.name',
          message: 'Required value: name or generateName is required',
        },
      ]);
    }
    const nameError = validateName(def, meta.name);
    if (nameError) throw invalid(def.kind, def.group, meta.name, [nameError]);
    const namespaceTerminating = def.namespaced
      ? this.#store.get('namespaces', undefined, namespace!)?.metadata.deletionTimestamp
      : undefined;
    if (namespaceTerminating) {
      throw new ApiError(
        403,
        'Forbidden',
        `${def.plural}${def.group ? `.${def.group}` : ''} "${meta.name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
      );
    }
    if (def.statusSubresource && def.custom) delete obj['status'];
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.resourceVersion;
    meta.uid = randomUUID();
    meta.creationTimestamp = this.timestamp();
    if (def.tracksGeneration) meta.generation = 1;
    else delete meta.generation;
    if (meta.finalizers?.length === 0) delete meta.finalizers;
    this.#checkMeta(def, meta.name, meta);
    this.#admit(def, obj);
    admitObject(def, obj, opts.fieldValidation);
    if (opts.manager && !opts.apply) {
      meta.managedFields = recordUpdate(def, undefined, obj, opts.manager, undefined, this.timestamp());
    }
    if (this.#store.get(resourceOf(def), meta.namespace, meta.name)) {
      throw alreadyExists(groupResource(def), meta.name);
    }
    if (opts.dryRun) return renderAs(def, obj);
    const stored = this.#store.write(resourceOf(def), obj);
    this.#afterWrite();
    return renderAs(def, stored);
  }

  #checkMeta(def: ResourceDef, name: string, meta: ObjectMeta): void {
    const causes = validateObjectMeta(meta);
    if (causes.length) throw invalid(def.kind, def.group, name, causes);
  }

  /**
   * Replaces an object (PUT, and the last step of every patch). `subresource: 'status'` keeps
   * everything but status; the main resource keeps status when a status subresource exists.
   */
  update(
    def: ResourceDef,
    namespace: string | undefined,
    name: string,
    body: unknown,
    opts: WriteOptions = {},
  ): KubeObject {
    const resource = resourceOf(def);
    const old = this.#store.get(resource, def.namespaced ? namespace : undefined, name);
    if (!old) throw notFound(groupResource(def), name);
    const incoming = this.#checkBody(def, def.namespaced ? namespace : undefined, body);
    if (incoming.metadata.name !== undefined && incoming.metadata.name !== name) {
      throw badRequest(
        `the name of the object (${incoming.metadata.name}) does not match the name on the URL (${name})`,
      );
    }
    const rv = incoming.metadata.resourceVersion;
    if (rv !== undefined && rv !== '' && rv !== old.metadata.resourceVersion) {
      throw conflict(groupResource(def), name, STALE_RV);
    }
    const uid = incoming.metadata.uid;
    if (uid !== undefined && uid !== '' && uid !== old.metadata.uid) {
      throw conflict(
        groupResource(def),
        name,
        `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${old.metadata.uid}`,
      );
    }
    let next: KubeObject;
    if (opts.subresource === 'status') {
      next = structuredClone(old);
      if (incoming['status'] === undefined) delete next['status'];
      else next['status'] = incoming['status'];
      if (incoming.metadata.managedFields) next.metadata.managedFields = incoming.metadata.managedFields;
    } else {
      next = incoming;
      if (def.statusSubresource) {
        if (old['status'] === undefined) delete next['status'];
        else next['status'] = structuredClone(old['status']);
      }
      const meta = next.metadata;
      // Fields the server owns: clients cannot change them through an update.
      meta.name = name;
      meta.uid = old.metadata.uid;
      meta.creationTimestamp = old.metadata.creationTimestamp;
      if (old.metadata.deletionTimestamp) {
        meta.deletionTimestamp = old.metadata.deletionTimestamp;
        meta.deletionGracePeriodSeconds = old.metadata.deletionGracePeriodSeconds;
      } else {
        delete meta.deletionTimestamp;
        delete meta.deletionGracePeriodSeconds;
      }
      if (meta.generateName === undefined && old.metadata.generateName !== undefined) {
        meta.generateName = old.metadata.generateName;
      }
      if (meta.managedFields === undefined && old.metadata.managedFields) {
        meta.managedFields = old.metadata.managedFields;
      }
      if (meta.finalizers?.length === 0) delete meta.finalizers;
      this.#checkMeta(def, name, meta);
      if (old.metadata.deletionTimestamp) {
        const added = (meta.finalizers ?? []).filter((f) => !(old.metadata.finalizers ?? []).includes(f));
        if (added.length) {
          throw invalid(def.kind, def.group, name, [
            {
              reason: 'FieldValueForbidden',
              field: 'metadata.finalizers',
              message: 'Forbidden: no new finalizers can be added if the object is being deleted',
            },
          ]);
        }
      }
    }
    next.metadata.resourceVersion = old.metadata.resourceVersion;
    next.metadata.generation = old.metadata.generation;
    if (!def.tracksGeneration) delete next.metadata.generation;
    this.#admit(def, next);
    admitObject(def, next, opts.fieldValidation);
    if (def.tracksGeneration && !deepEqual(generationContent(def, next), generationContent(def, old))) {
      next.metadata.generation = (old.metadata.generation ?? 0) + 1;
    }
    if (opts.manager && !opts.apply) {
      next.metadata.managedFields = recordUpdate(
        def,
        old,
        next,
        opts.manager,
        opts.subresource,
        this.timestamp(),
      );
    }
    if (next.metadata.managedFields?.length === 0) delete next.metadata.managedFields;
    return this.#commit(def, old, next, opts);
  }

  /** Writes `next` unless nothing changed; removes it when deletion is pending and no finalizer is left. */
  #commit(def: ResourceDef, old: KubeObject, next: KubeObject, opts: WriteOptions): KubeObject {
    if (next.metadata.generation === undefined) delete next.metadata.generation;
    const unchanged = deepEqual(comparable(next), comparable(old));
    if (opts.dryRun) return renderAs(def, next);
    const resource = resourceOf(def);
    if (
      next.metadata.deletionTimestamp &&
      !next.metadata.finalizers?.length &&
      namespaceFinalizers(resource, next).length === 0
    ) {
      // As the generic registry does: the update lands (MODIFIED), then the object goes (DELETED).
      if (!unchanged) this.#store.write(resource, next);
      const gone = this.#store.remove(resource, next.metadata.namespace, next.metadata.name!)!;
      this.#afterWrite();
      return renderAs(def, gone);
    }
    // A no-op write does not touch storage: same resourceVersion, no watch event.
    if (unchanged) return renderAs(def, old);
    const stored = this.#store.write(resource, next);
    this.#afterWrite();
    return renderAs(def, stored);
  }

  /**
   * DELETE: with finalizers the object only gets `deletionTimestamp` (and a generation bump) and
   * stays until they are removed; otherwise it is removed at once.
   */
  delete(
    def: ResourceDef,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions = {},
  ): { object: KubeObject; removed: boolean } {
    const resource = resourceOf(def);
    const ns = def.namespaced ? namespace : undefined;
    const old = this.#store.get(resource, ns, name);
    if (!old) throw notFound(groupResource(def), name);
    const pre = options.preconditions;
    if (pre?.uid && pre.uid !== old.metadata.uid) {
      throw conflict(
        groupResource(def),
        name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata.uid}`,
      );
    }
    if (pre?.resourceVersion && pre.resourceVersion !== old.metadata.resourceVersion) {
      throw conflict(
        groupResource(def),
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${old.metadata.resourceVersion}`,
      );
    }
    const next = structuredClone(old);
    const finalizers = new Set(next.metadata.finalizers ?? []);
    if (!old.metadata.deletionTimestamp) {
      if (options.propagationPolicy === 'Foreground') finalizers.add(FOREGROUND_FINALIZER);
      if (options.propagationPolicy === 'Orphan') finalizers.add(ORPHAN_FINALIZER);
    }
    if (finalizers.size === 0 && namespaceFinalizers(resource, old).length === 0) {
      if (options.dryRun) return { object: renderAs(def, old), removed: true };
      const gone = this.#store.remove(resource, ns, name)!;
      this.#afterWrite();
      return { object: renderAs(def, gone), removed: true };
    }
    if (old.metadata.deletionTimestamp) return { object: renderAs(def, old), removed: false };
    if (finalizers.size) next.metadata.finalizers = [...finalizers];
    next.metadata.deletionTimestamp = this.timestamp();
    next.metadata.deletionGracePeriodSeconds = 0;
    if (next.metadata.generation !== undefined && next.metadata.generation > 0) next.metadata.generation++;
    if (def.group === '' && def.plural === 'namespaces') {
      next['status'] = { ...(isObject(next['status']) ? next['status'] : {}), phase: 'Terminating' };
    }
    if (options.dryRun) return { object: renderAs(def, next), removed: false };
    const stored = this.#store.write(resource, next);
    this.#afterWrite();
    return { object: renderAs(def, stored), removed: false };
  }

  /** Removes one finalizer as a controller would (used by garbage collection). */
  dropFinalizer(resource: string, obj: KubeObject, finalizer: string): void {
    const next = structuredClone(obj);
    next.metadata.finalizers = (next.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    if (next.metadata.finalizers.length === 0) delete next.metadata.finalizers;
    this.#writeOrRemove(resource, next);
  }

  /** The namespace controller's last step: clear `spec.finalizers` once the namespace is empty. */
  finalizeNamespace(obj: KubeObject): void {
    const next = structuredClone(obj);
    next['spec'] = { ...(isObject(next['spec']) ? next['spec'] : {}), finalizers: [] };
    this.#writeOrRemove('namespaces', next);
  }

  #writeOrRemove(resource: string, next: KubeObject): void {
    this.#store.write(resource, next);
    if (
      next.metadata.deletionTimestamp &&
      !next.metadata.finalizers &&
      !namespaceFinalizers(resource, next).length
    ) {
      this.#store.remove(resource, next.metadata.namespace, next.metadata.name!);
    }
  }
}

export interface DeleteOptions {
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan' | undefined;
  preconditions?: { uid?: string; resourceVersion?: string } | undefined;
  dryRun?: boolean;
}
