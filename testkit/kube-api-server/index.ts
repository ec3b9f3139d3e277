// An in-process Kubernetes API server for tests: real HTTP on 127.0.0.1, built from the API
// conventions (resourceVersion, watch, status subresource, finalizers, GC, patch types, SSA).

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { admitBuiltin } from './admission.ts';
import { ADMIN_USER, Authenticator, serviceAccountUser } from './authn.ts';
import { BUILTIN_RESOURCES } from './builtins.ts';
import { ApiError } from './errors.ts';
import type { FailureSpec } from './faults.ts';
import { Faults } from './faults.ts';
import { GarbageCollector } from './gc.ts';
import { ResourceHandlers } from './handlers.ts';
import { type KubeConfigOptions, kubeConfigOptions, kubeConfigYaml } from './kubeconfig.ts';
import { ObjectService, renderAs, resourceOf } from './objects.ts';
import { mergePatch } from './patch.ts';
import { RbacAuthorizer } from './rbac.ts';
import {
  crdToResourceDefs,
  parseCrd,
  Registry,
  type ResourceRegistration,
  toResourceDef,
} from './registry.ts';
import type { UserInfo } from './request-info.ts';
import { createRouter, type RequestRecord } from './router.ts';
import { Store, type StoredEvent } from './storage.ts';
import type { Json, KubeObject, ResourceDef } from './types.ts';
import { WatchHub } from './watch.ts';

export type { FailureSpec } from './faults.ts';
export type { KubeConfigOptions } from './kubeconfig.ts';
export type { ResourceRegistration } from './registry.ts';
export type { UserInfo } from './request-info.ts';
export type { RequestRecord } from './router.ts';
export type { StoredEvent } from './storage.ts';
export type { KubeObject, ResourceDef } from './types.ts';

export interface KubeApiServerOptions {
  /** Watch events kept for resuming watches; older resourceVersions get 410 Expired. Default 1000. */
  historySize?: number;
  /** Interval of BOOKMARK events on watches that allow them. Default 1000 ms. */
  bookmarkIntervalMs?: number;
  /** Server-side cap on a watch's duration. Default 300 s. */
  maxWatchSeconds?: number;
  /** Require this bearer token on every request (default: any token is accepted). */
  expectedToken?: string;
  /**
   * Enforce RBAC (default off): requests authenticate by their token (unknown tokens are 401; the
   * default token is a cluster admin) and are authorised against the stored Roles, ClusterRoles and
   * their bindings (403 Forbidden otherwise). See `addServiceAccount` and `loadRbac`.
   */
  rbac?: boolean;
  /** CRDs (YAML text or objects) to register at start. */
  crds?: (string | object)[];
  /** Namespaces created at start, besides default, kube-system, kube-public and kube-node-lease. */
  namespaces?: string[];
  /** Background garbage collection of dependents (default on). */
  garbageCollection?: boolean;
  /**
   * Custom resources go out with their keys sorted at every depth, as kube-apiserver encodes them
   * (default true). Off: in the order they were stored, to show that a client does not care.
   */
  sortedKeys?: boolean;
}

export type ResourceRef = string | { group: string; version?: string; plural?: string; kind?: string };

export const DEFAULT_FLUX_CRDS_DIR = new URL('../../../shared/crds/', import.meta.url).pathname;
const CRD_RESOURCE = 'customresourcedefinitions.apiextensions.k8s.io';
const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];
const GONE = Symbol('gone');

export class KubeApiServer {
  readonly registry = new Registry();
  readonly store: Store;
  /** Every request received, in order (method, path, query, content type, field manager, status). */
  readonly requests: RequestRecord[] = [];
  readonly #faults = new Faults();
  readonly #watches: WatchHub;
  readonly #objects: ObjectService;
  readonly #gc: GarbageCollector;
  readonly #http: Server;
  #expectedToken: string | undefined;
  #sortedKeys: boolean;
  #rbac: boolean;
  readonly #authn = new Authenticator();
  readonly #authz: RbacAuthorizer;
  #url = '';
  /** Wakes waitFor on every stored change and every request. */
  readonly #activity = new Set<() => void>();

  constructor(options: KubeApiServerOptions = {}) {
    this.store = new Store(options.historySize ?? 1000);
    this.#watches = new WatchHub(this.store, {
      bookmarkIntervalMs: options.bookmarkIntervalMs ?? 1000,
      maxWatchSeconds: options.maxWatchSeconds ?? 300,
    });
    this.#gc = new GarbageCollector(this.store, this.registry);
    this.#gc.enabled = options.garbageCollection ?? true;
    this.#objects = new ObjectService(
      this.store,
      () => this.#gc.schedule(),
      (def, obj) => admitBuiltin(def, obj, this.#objects.timestamp()),
    );
    this.#gc.attach(this.#objects);
    this.#expectedToken = options.expectedToken;
    this.#sortedKeys = options.sortedKeys ?? true;
    this.#rbac = options.rbac ?? false;
    this.#authz = new RbacAuthorizer({
      list: (resource, namespace) => this.store.list(`${resource}.rbac.authorization.k8s.io`, namespace),
    });
    for (const def of BUILTIN_RESOURCES) this.registry.add(def);
    this.store.subscribe((e) => this.#syncCrd(e));
    this.store.subscribe(() => this.#wake());
    for (const ns of [...SYSTEM_NAMESPACES, ...(options.namespaces ?? [])]) this.#ensureNamespace(ns);
    for (const crd of options.crds ?? []) this.registerCrd(crd);
    const handlers = new ResourceHandlers(this.store, this.#objects, this.#watches, () => this.#sortedKeys);
    const router = createRouter({
      registry: this.registry,
      handlers,
      faults: this.#faults,
      log: this.requests,
      onRequest: () => this.#wake(),
      authenticate: (headers) => this.#authenticate(headers),
      authorize: (user, attrs) => (this.#rbac ? this.#authz.authorize(user, attrs) : undefined),
      exists: (attrs) => {
        const def = this.registry.lookup(attrs.group, attrs.version, attrs.resource);
        return (
          def !== undefined && this.store.get(resourceOf(def), attrs.namespace, attrs.name!) !== undefined
        );
      },
      version: { major: '1', minor: '32', gitVersion: 'v1.32.0' },
    });
    this.#http = createServer((req, res) => void router(req, res));
  }

  async listen(port = 0): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.#http.once('error', reject);
      this.#http.listen(port, '127.0.0.1', () => resolve());
    });
    const { port: bound } = this.#http.address() as AddressInfo;
    this.#url = `http://127.0.0.1:${bound}`;
    return this;
  }

  get url(): string {
    return this.#url;
  }

  async close(): Promise<void> {
    this.#watches.dropAll();
    this.#gc.enabled = false;
    this.#http.closeAllConnections();
    await new Promise<void>((resolve) => this.#http.close(() => resolve()));
  }

  // ---- resources -------------------------------------------------------------------------

  /** Registers a CRD (YAML text or object), stored as a CustomResourceDefinition like a POST would. */
  registerCrd(crd: string | object): ResourceDef[] {
    const docs =
      typeof crd === 'string'
        ? parseAllDocuments(crd)
            .map((d) => d.toJS() as unknown)
            .filter((d) => d !== null)
        : [crd];
    const defs: ResourceDef[] = [];
    for (const doc of docs) {
      const parsed = parseCrd(doc);
      const crdDef = this.registry.lookup('apiextensions.k8s.io', 'v1', 'customresourcedefinitions')!;
      const existing = this.#objects.find(crdDef, undefined, parsed.metadata.name);
      if (existing) {
        this.#objects.update(crdDef, undefined, parsed.metadata.name, {
          ...(doc as object),
          metadata: { ...parsed.metadata, resourceVersion: undefined },
        });
      } else {
        this.#objects.create(crdDef, undefined, doc);
      }
      defs.push(...crdToResourceDefs(parsed));
    }
    return defs;
  }

  /** Serves an extra kind without a CRD (stored as given, no schema). */
  registerResource(registration: ResourceRegistration): ResourceDef {
    const def = toResourceDef(registration);
    this.registry.add(def);
    return def;
  }

  /** Loads every CRD in `dir` (Flux's CRDs by default); false when the directory is absent. */
  loadFluxCrds(dir: string = DEFAULT_FLUX_CRDS_DIR): boolean {
    if (!existsSync(dir)) return false;
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'));
    if (!files.length) return false;
    for (const file of files) this.registerCrd(readFileSync(join(dir, file), 'utf8'));
    return true;
  }

  resolve(ref: ResourceRef): ResourceDef {
    return this.registry.resolve(ref);
  }

  // ---- in-process object access ------------------------------------------------------------

  /**
   * Stores objects as they are, bypassing admission (no validation, defaults or status rules) but
   * assigning uid, creationTimestamp, generation and resourceVersion. Missing namespaces are created.
   */
  seed(objects: object | object[]): KubeObject[] {
    const list = Array.isArray(objects) ? objects : [objects];
    return list.map((input) => {
      const obj = structuredClone(input) as KubeObject;
      const def = this.registry.forObject(String(obj.apiVersion), String(obj.kind));
      if (!def)
        throw new Error(`seed: no resource registered for ${String(obj.apiVersion)} ${String(obj.kind)}`);
      obj.metadata ??= {};
      if (!obj.metadata.name) throw new Error('seed: metadata.name is required');
      if (def.namespaced) {
        obj.metadata.namespace ??= 'default';
        this.#ensureNamespace(obj.metadata.namespace);
      } else {
        delete obj.metadata.namespace;
      }
      const existing = this.store.get(resourceOf(def), obj.metadata.namespace, obj.metadata.name);
      obj.metadata.uid ??= existing?.metadata.uid ?? crypto.randomUUID();
      obj.metadata.creationTimestamp ??= existing?.metadata.creationTimestamp ?? this.#objects.timestamp();
      if (def.tracksGeneration) obj.metadata.generation ??= existing?.metadata.generation ?? 1;
      const stored = this.store.write(resourceOf(def), def.conversion ? def.conversion.toStorage(obj) : obj);
      this.#gc.schedule();
      return renderAs(def, stored);
    });
  }

  get(ref: ResourceRef, namespace: string | undefined, name: string): KubeObject | undefined {
    const def = this.resolve(ref);
    return this.#objects.find(def, namespace, name);
  }

  list(ref: ResourceRef, namespace?: string): KubeObject[] {
    const def = this.resolve(ref);
    return this.store
      .list(resourceOf(def), def.namespaced ? namespace : undefined)
      .map((o) => renderAs(def, o));
  }

  /** Creates through the API rules (admission, defaults, validation), as a POST would. */
  create(obj: object, options: { manager?: string } = {}): KubeObject {
    const o = obj as KubeObject;
    const def = this.registry.forObject(String(o.apiVersion), String(o.kind));
    if (!def) throw new Error(`no resource registered for ${String(o.apiVersion)} ${String(o.kind)}`);
    return this.#objects.create(
      def,
      o.metadata?.namespace ?? (def.namespaced ? 'default' : undefined),
      obj,
      options,
    );
  }

  /** A JSON merge patch through the API rules; `subresource: 'status'` writes only status. */
  patch(
    ref: ResourceRef,
    namespace: string | undefined,
    name: string,
    patch: object,
    options: { subresource?: 'status'; manager?: string } = {},
  ): KubeObject {
    const def = this.resolve(ref);
    const current = this.#objects.get(def, namespace, name);
    const next = mergePatch(current as unknown as Json, patch as Json);
    return this.#objects.update(def, namespace, name, next, options);
  }

  /** Sets (or replaces) a status condition by type, as a controller's status writer would. */
  setCondition(
    ref: ResourceRef,
    namespace: string | undefined,
    name: string,
    condition: { type: string; status: 'True' | 'False' | 'Unknown'; reason: string; message: string },
  ): KubeObject {
    const def = this.resolve(ref);
    const current = this.#objects.get(def, namespace, name);
    const status = (current['status'] ?? {}) as { conditions?: Record<string, unknown>[] };
    const others = (status.conditions ?? []).filter((c) => c['type'] !== condition.type);
    const full = {
      ...condition,
      lastTransitionTime: this.#objects.timestamp(),
      observedGeneration: current.metadata.generation ?? 0,
    };
    return this.patch(ref, namespace, name, { status: { conditions: [...others, full] } }, {
      subresource: def.statusSubresource ? 'status' : undefined,
    } as { subresource?: 'status' });
  }

  delete(
    ref: ResourceRef,
    namespace: string | undefined,
    name: string,
    options: { propagationPolicy?: 'Background' | 'Foreground' | 'Orphan' } = {},
  ): KubeObject {
    return this.#objects.delete(this.resolve(ref), namespace, name, options).object;
  }

  /** The retained watch event log (bounded by historySize). */
  events(): readonly StoredEvent[] {
    return this.store.events();
  }

  /**
   * Resolves with the predicate's first truthy result, re-checking after every stored change, every
   * request, and every 20 ms.
   * Rejects after `timeoutMs` (default 5000) with a message naming `description`.
   */
  waitFor<T>(
    predicate: () => T | undefined | null | false,
    options: { timeoutMs?: number; description?: string } = {},
  ): Promise<T> {
    const initial = predicate();
    if (initial) return Promise.resolve(initial);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        unsubscribe();
        reject(
          new Error(
            `timed out after ${options.timeoutMs ?? 5000} ms waiting for ${options.description ?? 'condition'}`,
          ),
        );
      }, options.timeoutMs ?? 5000);
      const check = (): void => {
        const value = predicate();
        if (!value) return;
        clearTimeout(timer);
        unsubscribe();
        resolve(value);
      };
      // Polling too: predicates may look at client-side state that changes after a response is read.
      const poll = setInterval(check, 20);
      const unsubscribe = () => {
        clearInterval(poll);
        this.#activity.delete(check);
      };
      this.#activity.add(check);
    });
  }

  /** Waits until the object satisfies `predicate` (or, with `predicate` omitted, exists). */
  waitForObject(
    ref: ResourceRef,
    namespace: string | undefined,
    name: string,
    predicate: (obj: KubeObject) => boolean = () => true,
    options: { timeoutMs?: number } = {},
  ): Promise<KubeObject> {
    return this.waitFor(
      () => {
        const obj = this.get(ref, namespace, name);
        return obj && predicate(obj) ? obj : undefined;
      },
      {
        ...options,
        description: `${typeof ref === 'string' ? ref : JSON.stringify(ref)} ${namespace ?? ''}/${name}`,
      },
    );
  }

  /** Waits until the object is gone. */
  async waitForDeletion(
    ref: ResourceRef,
    namespace: string | undefined,
    name: string,
    options: { timeoutMs?: number } = {},
  ): Promise<void> {
    await this.waitFor(() => (this.get(ref, namespace, name) ? undefined : GONE), {
      ...options,
      description: `deletion of ${namespace ?? ''}/${name}`,
    });
  }

  // ---- kubeconfig -------------------------------------------------------------------------

  #token(): string {
    return this.#expectedToken ?? 'kube-api-server-test-token';
  }

  /**
   * For `new KubeConfig().loadFromOptions(server.kubeConfig())`: the admin's by default, or the user of
   * `token` (from `addServiceAccount`/`addUser`).
   */
  kubeConfig(namespace = 'default', token = this.#token()): KubeConfigOptions {
    return kubeConfigOptions(this.#url, token, namespace);
  }

  kubeConfigYaml(namespace = 'default', token = this.#token()): string {
    const user = this.#authn.userOf(token);
    // Groups a ServiceAccount (or any authenticated user) gets implicitly are not named again.
    const explicit = user?.groups.filter(
      (g) => !g.startsWith('system:serviceaccounts') && g !== 'system:authenticated',
    );
    return kubeConfigYaml(
      this.#url,
      token,
      namespace,
      user && { username: user.username, groups: explicit ?? [] },
    );
  }

  async writeKubeconfig(path: string, namespace = 'default', token = this.#token()): Promise<string> {
    await writeFile(path, this.kubeConfigYaml(namespace, token), { mode: 0o600 });
    return path;
  }

  // ---- authentication and RBAC -------------------------------------------------------------

  /** Turns RBAC enforcement on or off (see the `rbac` option). */
  setRbac(on: boolean): void {
    this.#rbac = on;
  }

  get rbacEnforced(): boolean {
    return this.#rbac;
  }

  /** Creates the ServiceAccount if missing and returns a token that authenticates as it. */
  addServiceAccount(namespace: string, name: string): string {
    if (!this.store.get('serviceaccounts', namespace, name)) {
      this.seed({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } });
    }
    const user = serviceAccountUser(namespace, name);
    const existing = this.#authn.tokenOf(user.username);
    if (existing) return existing;
    const token = `sa-${crypto.randomUUID()}`;
    this.#authn.add(token, user);
    return token;
  }

  /** A token for any user and groups (`system:authenticated` is added). */
  addUser(username: string, groups: string[] = []): string {
    const token = `user-${crypto.randomUUID()}`;
    this.#authn.add(token, { username, groups: [...new Set([...groups, 'system:authenticated'])] });
    return token;
  }

  /**
   * Stores the RBAC objects and ServiceAccounts of rendered manifests (e.g. `kubectl kustomize
   * config/default`, `helm template`); other kinds are ignored. Returns what was stored.
   */
  loadRbac(manifests: string): KubeObject[] {
    const kinds = new Set(['Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding', 'ServiceAccount']);
    const objects = parseAllDocuments(manifests)
      .map((d) => d.toJS() as KubeObject | null)
      .filter((o): o is KubeObject => o !== null && kinds.has(String(o.kind)));
    return this.seed(objects);
  }

  // ---- fault injection and knobs -----------------------------------------------------------

  /** Ends every open watch connection (clients must re-watch from their last resourceVersion). */
  dropWatches(): void {
    this.#watches.dropAll();
  }

  get openWatches(): number {
    return this.#watches.count;
  }

  /** Forgets watch history: every resourceVersion before now answers 410 Expired. */
  compactHistory(): void {
    this.store.compact();
  }

  setHistorySize(size: number): void {
    this.store.setHistoryLimit(size);
  }

  setBookmarkInterval(ms: number): void {
    this.#watches.configure({ bookmarkIntervalMs: ms });
  }

  setMaxWatchSeconds(seconds: number): void {
    this.#watches.configure({ maxWatchSeconds: seconds });
  }

  /** The next `count` matching requests fail with `spec.status` (as a Status, with Retry-After if given). */
  failNext(count: number, spec: FailureSpec): void {
    this.#faults.failNext(count, spec);
  }

  /** Delay before every response (watches included). */
  setLatency(ms: number): void {
    this.#faults.latencyMs = ms;
  }

  clearFaults(): void {
    this.#faults.clear();
  }

  /** Require a bearer token (or `undefined` to accept any). */
  setExpectedToken(token: string | undefined): void {
    this.#expectedToken = token;
  }

  /** Sorted keys for custom resources on the wire (the default, as kube-apiserver) or stored order. */
  setSortedKeys(on: boolean): void {
    this.#sortedKeys = on;
  }

  setGarbageCollection(on: boolean): void {
    this.#gc.enabled = on;
  }

  // ---- internals ---------------------------------------------------------------------------

  #authenticate(headers: IncomingHttpHeaders): UserInfo {
    const header = headers.authorization;
    const known = this.#authn.fromHeader(header);
    if (known) return known;
    const expected = this.#expectedToken;
    if (expected !== undefined) {
      if (header !== `Bearer ${expected}`) throw new ApiError(401, 'Unauthorized', 'Unauthorized');
      return ADMIN_USER;
    }
    // kubectl sends no bearer token over plain http: a request without credentials is the admin (use
    // `--as` to act as someone else). A token nobody issued is refused once users matter (RBAC).
    if (this.#rbac && header !== undefined && header !== `Bearer ${this.#token()}`) {
      throw new ApiError(401, 'Unauthorized', 'Unauthorized');
    }
    return ADMIN_USER;
  }

  #wake(): void {
    for (const check of [...this.#activity]) check();
  }

  #ensureNamespace(name: string): void {
    if (this.store.get('namespaces', undefined, name)) return;
    this.store.write('namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name,
        uid: crypto.randomUUID(),
        creationTimestamp: this.#objects.timestamp(),
        labels: { 'kubernetes.io/metadata.name': name },
      },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    });
  }

  /** Keeps served custom resources in step with stored CRDs. */
  #syncCrd(event: StoredEvent): void {
    if (event.resource !== CRD_RESOURCE) return;
    const crd = parseCrd(event.object);
    this.registry.remove(crd.spec.group, crd.spec.names.plural);
    if (event.type === 'DELETED') {
      this.store.dropResource(`${crd.spec.names.plural}.${crd.spec.group}`);
      // Those objects went without events: their dependents may now be orphans.
      this.#gc.rescan();
      return;
    }
    for (const def of crdToResourceDefs(crd)) this.registry.add(def);
  }
}

export const startKubeApiServer = (options: KubeApiServerOptions = {}): Promise<KubeApiServer> =>
  new KubeApiServer(options).listen();
