// Turns ConfigHub units into the artifact's file tree: one file per unit plus a kustomization.yaml,
// so `kubectl kustomize` builds the tree and Flux's kustomize-controller uses it as is.
//
// Every Kubernetes/YAML unit must parse into Kubernetes objects or the whole revision is refused:
// Flux prunes what disappears from an artifact, so publishing a tree with one unit silently dropped
// would delete that unit's objects from the cluster. Keeping the last good artifact is safer.
import { DEFAULT_TOOLCHAINS } from '../api/constants.ts';
import { InvalidUnitError, POLICY_VERDICT, UnsafeNameError } from './errors.ts';
import {
  type ArtifactFileFacts,
  KustomizationPolicyError,
  type KustomizationRefs,
  kustomizationReferences,
  referencesProblem,
} from './kustomization-policy.ts';
import { relativePathProblem } from './paths.ts';
import type { ArtifactFile } from './tarball.ts';
import { checkKubernetesYaml, type ObjectHeader, YamlCheckError } from './yaml-check.ts';

export type UnitInput = { slug: string; toolchainType: string; data: Uint8Array; dataHash?: string };
export type LayoutOptions = { toolchains?: readonly string[] };

export const KUBERNETES_TOOLCHAIN = 'Kubernetes/YAML';
export const KUSTOMIZATION_SLUG = 'kustomization';
export const KUSTOMIZATION_FILE = 'kustomization.yaml';
export const MAX_SLUG_BYTES = 200;
/** A top-level ustar name holds 100 bytes; longer names would need PAX headers, which we never emit. */
export const MAX_FILE_NAME_BYTES = 100;

/** File extension per ConfigHub toolchain; data of other toolchains is copied as is. */
const EXTENSIONS = new Map<string, string>(
  Object.entries({
    'Kubernetes/YAML': '.yaml',
    'AppConfig/YAML': '.yaml',
    'AppConfig/JSON': '.json',
    'AppConfig/TOML': '.toml',
    'AppConfig/INI': '.ini',
    'AppConfig/Properties': '.properties',
    'AppConfig/Env': '.env',
    'AppConfig/Text': '.txt',
    'OpenTofu/HCL': '.tf',
  }),
);

/** Anything outside ConfigHub's slug alphabet, which is also safe in any file system. */
const OUTSIDE_SLUG_ALPHABET = /[^A-Za-z0-9._-]/;

function slugProblem(slug: string): string | undefined {
  if (slug.length === 0) return 'it is empty';
  if (slug === '.' || slug === '..') return 'it is a relative directory name';
  if (slug.includes('/') || slug.includes('\\')) return 'it contains a path separator';
  if (/[\u0000-\u001f\u007f]/.test(slug)) return 'it contains a control character';
  if (/[^\u0000-\u007f]/.test(slug)) return 'it contains non-ASCII characters';
  if (Buffer.byteLength(slug) > MAX_SLUG_BYTES) return `it is longer than ${MAX_SLUG_BYTES} bytes`;
  if (slug.startsWith('-')) return 'it starts with "-"';
  if (slug.startsWith('.')) return 'it starts with "." (hidden file)';
  const bad = OUTSIDE_SLUG_ALPHABET.exec(slug);
  if (bad) return `it contains ${JSON.stringify(bad[0])}`;
  return undefined;
}

function fileNameFor(slug: string, toolchainType: string): string {
  return slug + (EXTENSIONS.get(toolchainType) ?? '');
}

function decodeUtf8(unit: string, data: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    throw new InvalidUnitError(unit, 'data is not valid UTF-8');
  }
}

/** A Kubernetes/YAML unit whose content must be checked before the tree may be published. */
export interface UnitCheck {
  unit: string;
  /** The unit's file in the artifact. */
  path: string;
  data: Uint8Array;
  /** The unit named `kustomization`, which must hold a kustomize Kustomization. */
  kustomization: boolean;
  /** ConfigHub's DataHash (sha256 of `data`, verified on fetch), the key of cached results. */
  dataHash?: string | undefined;
}

export interface LayoutPlan {
  files: ArtifactFile[];
  checks: UnitCheck[];
  /** Whether a unit provides kustomization.yaml (otherwise it is generated to list every file). */
  ownKustomization: boolean;
}

function renderKustomization(resources: readonly string[]): Uint8Array {
  const lines = ['apiVersion: kustomize.config.k8s.io/v1beta1', 'kind: Kustomization'];
  if (resources.length === 0) lines.push('resources: []');
  else lines.push('resources:', ...resources.map((file) => `- ${file}`));
  return Buffer.from(`${lines.join('\n')}\n`, 'utf8');
}

/**
 * One file per selected unit (`<slug>.yaml` for Kubernetes/YAML) plus a generated kustomization.yaml
 * listing the Kubernetes files, unless a Kubernetes/YAML unit named `kustomization` provides its own.
 * Units of toolchains not in `options.toolchains` (default Kubernetes/YAML only) are left out. Names are
 * checked here; contents are only listed in `checks`, to be validated off the main event loop.
 */
export function planLayout(units: readonly UnitInput[], options: LayoutOptions = {}): LayoutPlan {
  const toolchains = new Set(options.toolchains ?? DEFAULT_TOOLCHAINS);
  const selected = units.filter((unit) => toolchains.has(unit.toolchainType));
  const files: ArtifactFile[] = [];
  const checks: UnitCheck[] = [];
  const resources: string[] = [];
  // Folded file names already taken, to refuse trees that collide on case-insensitive file systems.
  const taken = new Map<string, string>();
  let ownKustomization = false;

  for (const unit of selected) {
    const problem = slugProblem(unit.slug);
    if (problem) throw new UnsafeNameError(unit.slug, problem);
    const isKubernetes = unit.toolchainType === KUBERNETES_TOOLCHAIN;
    const isKustomization = isKubernetes && unit.slug === KUSTOMIZATION_SLUG;
    const fileName = fileNameFor(unit.slug, unit.toolchainType);
    const pathProblem = relativePathProblem(fileName);
    if (pathProblem) throw new UnsafeNameError(unit.slug, `its file name ${pathProblem}`);
    if (Buffer.byteLength(fileName) > MAX_FILE_NAME_BYTES) {
      throw new UnsafeNameError(
        unit.slug,
        `its file name is ${fileName.length} bytes; a tar header holds ${MAX_FILE_NAME_BYTES}`,
      );
    }
    const folded = fileName.toLowerCase();
    const other = taken.get(folded);
    if (other !== undefined) {
      throw new UnsafeNameError(
        unit.slug,
        `its file ${fileName} collides with unit ${JSON.stringify(other)}`,
      );
    }
    if (folded === KUSTOMIZATION_FILE && !isKustomization) {
      throw new UnsafeNameError(unit.slug, `its file ${fileName} would collide with ${KUSTOMIZATION_FILE}`);
    }
    taken.set(folded, unit.slug);
    if (isKubernetes) {
      checks.push({
        unit: unit.slug,
        path: fileName,
        data: unit.data,
        kustomization: isKustomization,
        dataHash: unit.dataHash,
      });
      if (isKustomization) ownKustomization = true;
      else resources.push(fileName);
    }
    files.push({ path: fileName, data: unit.data });
  }

  if (!ownKustomization) {
    resources.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    files.push({ path: KUSTOMIZATION_FILE, data: renderKustomization(resources) });
  }
  return { files, checks, ownKustomization };
}

/** What a unit's check found: its objects, and for the kustomization unit the paths it names. */
export interface CheckedUnit {
  headers: ObjectHeader[];
  kustomization?: KustomizationRefs | undefined;
}

/** Runs one unit's check in this thread; the controller runs the same check in a worker thread. */
export function checkUnit(check: UnitCheck): CheckedUnit {
  try {
    const text = decodeUtf8(check.unit, check.data);
    const headers = checkKubernetesYaml(text, check.kustomization);
    return check.kustomization ? { headers, kustomization: kustomizationReferences(text) } : { headers };
  } catch (error) {
    if (error instanceof KustomizationPolicyError) {
      throw new InvalidUnitError(check.unit, error.problem, undefined, POLICY_VERDICT);
    }
    if (error instanceof YamlCheckError)
      throw new InvalidUnitError(check.unit, error.problem, error.position);
    throw error;
  }
}

/**
 * The kustomization policy's second half, once every unit is checked: the paths the kustomization unit
 * names must be files of this artifact of the right kind (see kustomization-policy.ts). Returns the units
 * it builds as resources, whose objects must then be distinct.
 */
export function checkKustomizationPaths(
  plan: LayoutPlan,
  checked: ReadonlyMap<string, CheckedUnit>,
): string[] {
  const own = plan.checks.find((check) => check.kustomization);
  const refs = own === undefined ? undefined : checked.get(own.unit)?.kustomization;
  if (own === undefined || refs === undefined) return [];
  const objectsByPath = new Map(plan.checks.map((check) => [check.path, checked.get(check.unit)?.headers]));
  const files = new Map<string, ArtifactFileFacts>(
    plan.files.map((file) => [file.path, { data: file.data, objects: objectsByPath.get(file.path) }]),
  );
  const problem = referencesProblem(refs, files, own.path);
  if (problem !== undefined) throw new InvalidUnitError(own.unit, problem, undefined, POLICY_VERDICT);
  const resources = new Set(refs.references.filter((r) => r.role === 'resource').map((r) => r.path));
  return plan.checks.filter((check) => resources.has(check.path)).map((check) => check.unit);
}

/** The layout with every unit checked in this thread: for tests and tools working on small inputs. */
export function unitsToFiles(units: readonly UnitInput[], options: LayoutOptions = {}): ArtifactFile[] {
  const plan = planLayout(units, options);
  const checked = new Map(plan.checks.map((check) => [check.unit, checkUnit(check)]));
  checkKustomizationPaths(plan, checked);
  return plan.files;
}
