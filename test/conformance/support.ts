// Shared pieces of the conformance suite: the stack the checklist runs against, and readers for
// what Flux consumers and users see (ExternalArtifacts, Kubernetes Events, stored files).
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';
import type { KubeObject } from '../../testkit/kube-api-server/index.ts';
import type { LocalStack } from '../../testkit/local-stack.ts';
import { WAIT } from '../support/progress.ts';
import { EA, type Repo } from '../support/repositories.ts';

export const SHARED_CRDS = resolve(import.meta.dirname, '../../../shared/crds');
export const EA_CRD_FILE = join(SHARED_CRDS, 'source.toolkit.fluxcd.io_externalartifacts.yaml');
export const HAS_FLUX_CRDS = existsSync(EA_CRD_FILE);
export const NO_FLUX_CRDS_REASON = `Flux's CRDs are not at ${SHARED_CRDS} (../shared is not checked out)`;

export const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;
export const REVISION_RE = /^([^@:]+@sha256:[a-f0-9]{64}|sha256:[a-f0-9]{64})$/;
export const RFC3339_UTC_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

export type ExternalArtifact = Repo & {
  spec: { sourceRef?: Record<string, string> };
};

export type KubeEvent = KubeObject & {
  involvedObject: { kind: string; name: string; namespace: string; uid?: string };
  reason: string;
  message: string;
  type: string;
  count?: number;
};

export function externalArtifact(stack: LocalStack, namespace: string, name: string): ExternalArtifact {
  const ea = stack.kube.get(EA, namespace, name);
  if (ea === undefined) throw new Error(`ExternalArtifact ${namespace}/${name} does not exist`);
  return ea as ExternalArtifact;
}

/** Kubernetes Events about `kind/name` in `namespace`. */
export function kubeEvents(stack: LocalStack, namespace: string, name: string, kind: string): KubeEvent[] {
  return (stack.kube.list('events', namespace) as KubeEvent[]).filter(
    (e) => e.involvedObject.kind === kind && e.involvedObject.name === name,
  );
}

/** Non-hidden files in the object's storage directory. */
export async function storedFiles(
  stack: LocalStack,
  namespace: string,
  name: string,
  root = stack.storagePath,
) {
  try {
    const entries = await readdir(join(root, 'confighubrepository', namespace, name));
    return entries.filter((e) => !e.startsWith('.')).sort();
  } catch {
    return [];
  }
}

/** Resolves once the wall clock is in a later second than `time` (lastUpdateTime has second precision). */
export async function afterSecondOf(time: string): Promise<void> {
  const second = Math.floor(Date.parse(time) / 1000);
  await expect.poll(() => Math.floor(Date.now() / 1000), WAIT).toBeGreaterThan(second);
}

/** Changes one unit of the fixture space so the next build has different content. */
export function touchUnit(stack: LocalStack, marker: string, unit = 'web-config'): () => void {
  const original = stack.emulator.getUnit('shop-prod', unit).data;
  stack.emulator.setUnitData('shop-prod', unit, `${original.toString('utf8')}\n# ${marker}\n`);
  return () => {
    stack.emulator.setUnitData('shop-prod', unit, original);
  };
}

/** Value of one sample scraped from a Prometheus text endpoint, or undefined when absent. */
export async function scrape(
  metricsUrl: string,
  name: string,
  labels: Record<string, string> = {},
): Promise<number | undefined> {
  const text = await (await fetch(`${metricsUrl}/metrics`)).text();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const wanted = Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`));
    if (wanted) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}
