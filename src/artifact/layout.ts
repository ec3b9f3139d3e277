// Turns ConfigHub units into the artifact's file tree: one file per unit plus a kustomization.yaml,
// so `kubectl kustomize` builds the tree and Flux's kustomize-controller uses it as is.
//
// Every Kubernetes/YAML unit must parse into Kubernetes objects or the whole revision is refused:
// Flux prunes what disappears from an artifact, so publishing a tree with one unit silently dropped
// would delete that unit's objects from the cluster. Keeping the last good artifact is safer.
import { DEFAULT_TOOLCHAINS } from '../api/constants.ts';
import { InvalidUnitError, UnsafeNameError } from './errors.ts';
import { relativePathProblem } from './paths.ts';
import type { ArtifactFile } from './tarball.ts';
import { checkKubernetesYaml, YamlCheckError } from './yaml-check.ts';

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

/** Runs one unit's check in this thread; the controller runs the same check in a worker thread. */
export function checkUnit(check: UnitCheck): void {
  try {
    checkKubernetesYaml(decodeUtf8(check.unit, check.data), check.kustomization);
  } catch (error) {
    if (error instanceof YamlCheckError)
      throw new InvalidUnitError(check.unit, error.problem, error.position);
    throw error;
  }
}

/** The layout with every unit checked in this thread: for tests and tools working on small inputs. */
export function unitsToFiles(units: readonly UnitInput[], options: LayoutOptions = {}): ArtifactFile[] {
  const plan = planLayout(units, options);
  for (const check of plan.checks) checkUnit(check);
  return plan.files;
}
