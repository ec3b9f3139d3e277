// What a `kustomization` unit may ask of kustomize. The file becomes the artifact's kustomization.yaml and
// kustomize-controller builds it with cluster-wide rights, so everything it applies must come from the
// artifact (covered by its digest and by ConfigHub's review): no remote bases, no paths outside the tree,
// no Helm charts, no plugins that run code, and never an empty selection (Flux would prune everything).
//
// Two halves: `kustomizationReferences` reads the document alone (in the validation worker) and returns
// the paths it names; `checkReferences` checks those against the artifact's files (on the main thread).
import { posix } from 'node:path';
import { CORE_SCHEMA, load, YAMLException } from 'js-yaml';
import { truncate } from '../util/clean-text.ts';
import { YamlCheckError } from './yaml-check.ts';

/** A kustomization is a few KiB; a bound keeps building its document cheap. */
export const MAX_KUSTOMIZATION_BYTES = 256 * 1024;

/** How a referenced path is used: built as objects, read as a plugin's configuration, or read as data. */
export type ReferenceRole = 'resource' | 'component' | 'plugin' | 'file';

export interface KustomizationReference {
  /** The field as written, e.g. `resources` or `configMapGenerator[0].files`. */
  field: string;
  /** The entry as written (shown clipped and without userinfo or query). */
  entry: string;
  /** The normalized path inside the artifact. */
  path: string;
  role: ReferenceRole;
}

/** The paths a kustomization names, and how many configMap/secret generators it has. */
export interface KustomizationRefs {
  references: KustomizationReference[];
  generators: number;
}

/** A kustomization the policy refuses; the build reports it as InvalidUnit naming field and entry. */
export class KustomizationPolicyError extends YamlCheckError {
  readonly policy = true;
}

/** Fields that make kustomize run Helm: a chart from a registry, outside the artifact's digest. */
const HELM_FIELDS = [
  'helmCharts',
  'helmGlobals',
  'helmChartInflationGenerator',
  'helmChartInflationGenerators',
];
/** Annotations that make kustomize run an exec, container or starlark KRM function. */
export const FUNCTION_ANNOTATIONS = ['config.kubernetes.io/function', 'config.k8s.io/function'];
/**
 * Builtin plugins allowed as generators/transformers/validators configuration: those that read no file
 * (file-reading builtins such as PatchTransformer or ConfigMapGenerator have kustomization fields whose
 * paths this policy checks). Kustomize runs a builtin only for `apiVersion: builtin` and one of its kinds.
 */
export const FILELESS_BUILTINS = new Set([
  'AnnotationsTransformer',
  'HashTransformer',
  'IAMPolicyGenerator',
  'ImageTagTransformer',
  'LabelTransformer',
  'NamespaceTransformer',
  'PrefixSuffixTransformer',
  'PrefixTransformer',
  'ReplicaCountTransformer',
  'SortOrderTransformer',
  'SuffixTransformer',
  'ValueAddTransformer',
]);

/** Entry text safe for messages: no control characters, userinfo or query (may hold a token), clipped. */
export function describeEntry(entry: string): string {
  const flat = entry
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .replace(/(\/\/)[^/@\s]*@/, '$1')
    .replace(/^[^/@\s:]+@/, '')
    .replace(/\?.*$/, '?…');
  return JSON.stringify(truncate(flat, 80));
}

const refuse = (problem: string): never => {
  throw new KustomizationPolicyError(problem);
};

const URL_LIKE = /^(?:[A-Za-z][A-Za-z0-9+.-]*:\/\/|git@|[A-Za-z0-9.-]+\.[A-Za-z]{2,}\/)|\/\/|\?ref=/;

/** The path an entry names inside the artifact, or a refusal naming the field and entry. */
function localPath(field: string, entry: unknown, role: ReferenceRole): KustomizationReference {
  if (typeof entry !== 'string') return refuse(`${field} has an entry that is not a string`);
  const shown = describeEntry(entry);
  const what = `${field} entry ${shown}`;
  if (entry.trim() === '') return refuse(`${field} has an empty entry`);
  if (/[\u0000-\u001f\u007f]/.test(entry)) return refuse(`${what} contains a control character`);
  if (URL_LIKE.test(entry)) {
    return refuse(
      `${what} is a remote location; kustomize-controller would fetch it, outside the artifact's digest and ConfigHub's review`,
    );
  }
  if (entry.startsWith('/') || /^[A-Za-z]:/.test(entry)) return refuse(`${what} is an absolute path`);
  if (entry.includes('\\')) return refuse(`${what} contains a backslash`);
  const path = posix.normalize(entry).replace(/\/+$/, '');
  if (path === '..' || path.startsWith('../')) return refuse(`${what} leaves the artifact ("..")`);
  if (path === '.' || path === '') return refuse(`${what} is the artifact's root, this kustomization itself`);
  return { field, entry, path, role };
}

type Doc = Record<string, unknown>;

function list(doc: Doc, field: string): unknown[] {
  const value = doc[field];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return refuse(`${field} is not a list`);
  return value;
}

function mapping(field: string, value: unknown): Doc {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return refuse(`${field} is not a mapping`);
  }
  return value as Doc;
}

/** `[key=]path` of a generator's `files`; the key never holds a `=`. */
function generatorFile(entry: unknown): unknown {
  if (typeof entry !== 'string') return entry;
  const eq = entry.indexOf('=');
  return eq < 0 ? entry : entry.slice(eq + 1);
}

function loadDocument(text: string): Doc {
  if (Buffer.byteLength(text) > MAX_KUSTOMIZATION_BYTES) {
    refuse(`it is larger than ${MAX_KUSTOMIZATION_BYTES / 1024} KiB`);
  }
  let doc: unknown;
  try {
    doc = load(text, { schema: CORE_SCHEMA });
  } catch (error) {
    if (error instanceof YAMLException) refuse('it must be a single YAML document');
    throw error;
  }
  return mapping('the document', doc);
}

/**
 * Checks what can be judged from the document alone and returns every path it names. Throws a
 * KustomizationPolicyError naming the field and entry.
 */
export function kustomizationReferences(text: string): KustomizationRefs {
  const doc = loadDocument(text);
  for (const field of HELM_FIELDS) {
    if (doc[field] !== undefined) {
      refuse(`${field} is not allowed: Helm charts come from outside the artifact's digest`);
    }
  }
  const serialized = JSON.stringify(doc);
  for (const annotation of FUNCTION_ANNOTATIONS) {
    if (serialized.includes(annotation))
      refuse(`the annotation ${annotation} is not allowed: KRM functions run code`);
  }
  const refs: KustomizationReference[] = [];
  const paths = (field: string, role: ReferenceRole) => {
    for (const entry of list(doc, field)) refs.push(localPath(field, entry, role));
  };
  paths('resources', 'resource');
  paths('bases', 'resource');
  paths('components', 'component');
  paths('crds', 'file');
  paths('configurations', 'file');
  for (const field of ['generators', 'transformers', 'validators']) {
    for (const entry of list(doc, field)) {
      if (typeof entry === 'string' && entry.includes('\n')) {
        refuse(
          `${field} has an inline plugin configuration; only files of the artifact holding a builtin are allowed`,
        );
      }
      refs.push(localPath(field, entry, 'plugin'));
    }
  }
  let generated = 0;
  for (const field of ['configMapGenerator', 'secretGenerator']) {
    list(doc, field).forEach((item, i) => {
      generated++;
      const generator = mapping(`${field}[${i}]`, item);
      const at = `${field}[${i}]`;
      for (const entry of list(generator, 'files'))
        refs.push(localPath(`${at}.files`, generatorFile(entry), 'file'));
      for (const entry of list(generator, 'envs')) refs.push(localPath(`${at}.envs`, entry, 'file'));
      if (generator.env !== undefined && generator.env !== null && generator.env !== '') {
        refs.push(localPath(`${at}.env`, generator.env, 'file'));
      }
    });
  }
  for (const field of ['patches', 'patchesJson6902', 'replacements']) {
    list(doc, field).forEach((item, i) => {
      const value = mapping(`${field}[${i}]`, item);
      if (value.path !== undefined) refs.push(localPath(`${field}[${i}].path`, value.path, 'file'));
    });
  }
  for (const entry of list(doc, 'patchesStrategicMerge')) {
    // An entry with a line break or a flow mapping is an inline patch; anything else names a file.
    if (typeof entry === 'string' && (entry.includes('\n') || entry.trimStart().startsWith('{'))) continue;
    refs.push(localPath('patchesStrategicMerge', entry, 'file'));
  }
  if (doc.openapi !== undefined && doc.openapi !== null) {
    const openapi = mapping('openapi', doc.openapi);
    if (openapi.path !== undefined) refs.push(localPath('openapi.path', openapi.path, 'file'));
  }
  const selecting = refs.filter((ref) => ref.role !== 'file').length + generated;
  if (selecting === 0) {
    refuse(
      'it selects no objects (resources is empty and nothing is generated); Flux would prune everything it applied',
    );
  }
  return { references: refs, generators: generated };
}

/** What the main thread knows of one artifact file. */
export interface ArtifactFileFacts {
  data: Uint8Array;
  /** `apiVersion`/`kind` of each object, for Kubernetes/YAML units (undefined for other files). */
  objects: readonly { apiVersion: string; kind: string }[] | undefined;
}

/**
 * Checks the referenced paths against the artifact's files. Returns a problem naming field and entry,
 * or undefined when the kustomization stays inside the artifact and selects at least one object.
 */
export function referencesProblem(
  { references: refs, generators }: KustomizationRefs,
  files: ReadonlyMap<string, ArtifactFileFacts>,
  ownFile: string,
): string | undefined {
  let objects = 0;
  let selectsOtherwise = false;
  for (const ref of refs) {
    const what = `${ref.field} entry ${describeEntry(ref.entry)}`;
    if (ref.path === ownFile) return `${what} is this kustomization itself`;
    const file = files.get(ref.path);
    if (ref.role === 'component')
      return `${what} is not a directory of the artifact (a component is a directory)`;
    if (file === undefined) return `${what} is not a file of the artifact`;
    if (ref.role === 'resource') {
      if (file.objects === undefined) return `${what} is not a Kubernetes/YAML unit of the artifact`;
      objects += file.objects.length;
    } else if (ref.role === 'plugin') {
      const notBuiltin = (file.objects ?? [{ apiVersion: '', kind: '' }]).find(
        (o) => o.apiVersion !== 'builtin' || !FILELESS_BUILTINS.has(o.kind),
      );
      if (notBuiltin !== undefined || file.objects?.length === 0) {
        return `${what} is not a builtin plugin configuration that reads no file (apiVersion: builtin, kind one of ${[...FILELESS_BUILTINS].join(', ')})`;
      }
      const text = Buffer.from(file.data).toString('utf8');
      const annotation = FUNCTION_ANNOTATIONS.find((a) => text.includes(a));
      if (annotation !== undefined)
        return `${what} carries the annotation ${annotation}: KRM functions run code`;
      if (ref.field === 'generators') selectsOtherwise = true;
    }
  }
  if (objects === 0 && generators === 0 && !selectsOtherwise) {
    return 'it selects no objects (its resources hold none and nothing is generated); Flux would prune everything it applied';
  }
  return undefined;
}
