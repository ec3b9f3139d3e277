// Turns ConfigHub units into the artifact's file tree: one file per unit plus a kustomization.yaml,
// so `kubectl kustomize` builds the tree and Flux's kustomize-controller uses it as is.
//
// Every Kubernetes/YAML unit must parse into Kubernetes objects or the whole revision is refused:
// Flux prunes what disappears from an artifact, so publishing a tree with one unit silently dropped
// would delete that unit's objects from the cluster. Keeping the last good artifact is safer.
import { createHash } from 'node:crypto';
import { parseAllDocuments } from 'yaml';
import { DEFAULT_TOOLCHAINS } from '../api/constants.ts';
import { InvalidUnitError, UnsafeNameError } from './errors.ts';
import { relativePathProblem } from './paths.ts';
import type { ArtifactFile } from './tarball.ts';

export type UnitInput = { slug: string; toolchainType: string; data: Uint8Array };
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

type YamlPosition = { line: number; column: number };

function decodeUtf8(unit: string, data: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    throw new InvalidUnitError(unit, 'data is not valid UTF-8');
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonEmptyString(value: unknown): boolean {
  return typeof value === 'string' && value.length > 0;
}

/** First line of a parser message; `prettyErrors: false` already keeps source text out of it. */
function shortMessage(message: string): string {
  const line = message.split('\n')[0] ?? message;
  return line.length > 200 ? `${line.slice(0, 200)}...` : line;
}

/**
 * Contents already found valid, by sha256: parsing YAML is by far the slowest step of a build (a few MiB/s)
 * and runs on the event loop, while a rebuild usually changes one unit of many. Only successes are kept,
 * and a check does not depend on the slug, so skipping a known content gives the same result.
 */
const validated = new Set<string>();
const VALIDATED_LIMIT = 20_000;

function checkKubernetesYamlOnce(unit: string, data: Uint8Array, isKustomization: boolean): void {
  const key = createHash('sha256')
    .update(isKustomization ? 'kustomization\0' : 'resources\0')
    .update(data)
    .digest('hex');
  if (validated.has(key)) return;
  checkKubernetesYaml(unit, decodeUtf8(unit, data), isKustomization);
  validated.add(key);
  if (validated.size > VALIDATED_LIMIT) validated.delete(validated.values().next().value!);
}

/** Forgets which contents were validated (benchmarks measure cold builds). */
export function forgetValidatedContent(): void {
  validated.clear();
}

/**
 * Checks that a unit is a stream of Kubernetes objects (empty documents allowed). Errors carry the
 * position but never echo the unit's content, which may be a Secret.
 */
function checkKubernetesYaml(unit: string, text: string, isKustomization: boolean): void {
  const documents = parseAllDocuments(text, { prettyErrors: false, uniqueKeys: true });
  const list = Array.isArray(documents) ? documents : [documents];
  for (const [index, document] of list.entries()) {
    const error = document.errors[0];
    if (error) {
      // prettyErrors would quote the offending source line; compute the position ourselves instead.
      throw new InvalidUnitError(
        unit,
        `YAML ${error.code}: ${shortMessage(error.message)}`,
        positionOf(text, error.pos[0]),
      );
    }
    let value: unknown;
    try {
      value = document.toJS({ maxAliasCount: 100 });
    } catch (cause) {
      throw new InvalidUnitError(
        unit,
        `document ${index + 1}: ${shortMessage(cause instanceof Error ? cause.message : String(cause))}`,
      );
    }
    if (value === null || value === undefined) continue;
    const start = document.contents?.range?.[0];
    const position = start === undefined ? undefined : positionOf(text, start);
    if (!isRecord(value))
      throw new InvalidUnitError(unit, `document ${index + 1} is not a mapping`, position);
    if (isKustomization) {
      if (
        value['kind'] !== 'Kustomization' ||
        !String(value['apiVersion']).startsWith('kustomize.config.k8s.io/')
      ) {
        throw new InvalidUnitError(
          unit,
          `document ${index + 1} must be a kustomize.config.k8s.io Kustomization`,
          position,
        );
      }
      continue;
    }
    const metadata = value['metadata'];
    const missing = [
      nonEmptyString(value['apiVersion']) ? undefined : 'apiVersion',
      nonEmptyString(value['kind']) ? undefined : 'kind',
      isRecord(metadata) && nonEmptyString(metadata['name']) ? undefined : 'metadata.name',
    ].filter((field) => field !== undefined);
    if (missing.length > 0) {
      throw new InvalidUnitError(unit, `document ${index + 1} has no ${missing.join(', ')}`, position);
    }
  }
}

function positionOf(text: string, offset: number): YamlPosition {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
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
 * Units of toolchains not in `options.toolchains` (default Kubernetes/YAML only) are left out.
 */
export function unitsToFiles(units: readonly UnitInput[], options: LayoutOptions = {}): ArtifactFile[] {
  const toolchains = new Set(options.toolchains ?? DEFAULT_TOOLCHAINS);
  const selected = units.filter((unit) => toolchains.has(unit.toolchainType));
  const files: ArtifactFile[] = [];
  const resources: string[] = [];
  // Folded file names already taken, to refuse trees that collide on case-insensitive file systems.
  const taken = new Map<string, string>();
  let providesKustomization = false;

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
      checkKubernetesYamlOnce(unit.slug, unit.data, isKustomization);
      if (isKustomization) providesKustomization = true;
      else resources.push(fileName);
    }
    files.push({ path: fileName, data: unit.data });
  }

  if (!providesKustomization) {
    resources.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    files.push({ path: KUSTOMIZATION_FILE, data: renderKustomization(resources) });
  }
  return files;
}
