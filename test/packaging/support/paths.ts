// Locations used by the packaging tests, resolved from this file so tests run from any directory.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const CONFIG_DIR = join(REPO_ROOT, 'config');
export const CHART_DIR = join(REPO_ROOT, 'charts/confighub-source-controller');
export const PROJECT_CRD = join(REPO_ROOT, 'crds/source.confighub.com_confighubrepositories.yaml');
export const CHART_CRD = join(CHART_DIR, 'files/crds/source.confighub.com_confighubrepositories.yaml');

/** Flux's real CRDs live beside the repository (`../shared/crds`); they are never copied into it. */
export const SHARED_CRDS_DIR = resolve(REPO_ROOT, '../shared/crds');
export const FLUX_KUSTOMIZATION_CRD = join(
  SHARED_CRDS_DIR,
  'kustomize.toolkit.fluxcd.io_kustomizations.yaml',
);
export const sharedCrdsPresent = existsSync(FLUX_KUSTOMIZATION_CRD);

export const KUBECTL = process.env['KUBECTL'] ?? 'kubectl';
