// The story the demo tells, step by step, with the kustomize-controller stand-in playing Flux:
// a unit edited in ConfigHub becomes a new artifact, Flux applies it (Delivered), a person edits a
// Flux-managed field with kubectl (Drifted, with the field, both values and the cause), Flux's next
// apply corrects it, and the drift report shows it resolved.
import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RepositoryObject } from '../../src/api/v1beta1.ts';
import type { LocalStack } from '../local-stack.ts';
import { type ChangePrinter, conditionOf, shortRevision } from './demo-view.ts';

const CHR = { group: 'source.confighub.com', plural: 'confighubrepositories' };
const KS = { group: 'kustomize.toolkit.fluxcd.io', plural: 'kustomizations' };

export interface StoryOptions {
  stack: LocalStack;
  printer: ChangePrinter;
  kubectl: string;
  kubeconfig: string;
  space: string;
  /** The repository (and Kustomization) the story follows. */
  namespace: string;
  name: string;
  signal: AbortSignal;
}

export async function tellStory(o: StoryOptions): Promise<void> {
  const { stack, printer } = o;
  const repo = () => stack.kube.get(CHR, o.namespace, o.name) as RepositoryObject | undefined;
  const ks = () =>
    stack.kube.get(KS, o.namespace, o.name) as { status?: { lastAppliedRevision?: string } } | undefined;
  const waitFor = async (what: string, ok: () => boolean, timeoutMs = 90_000): Promise<boolean> => {
    const deadline = Date.now() + timeoutMs;
    while (!ok()) {
      if (o.signal.aborted) return false;
      if (Date.now() > deadline) {
        printer.step(`gave up waiting for ${what}`);
        return false;
      }
      await sleep(250, undefined, { signal: o.signal }).catch(() => undefined);
    }
    return true;
  };
  const delivered = (revision: string | undefined) =>
    revision !== undefined &&
    ks()?.status?.lastAppliedRevision === revision &&
    conditionOf(repo(), 'Delivered')?.status === 'True';
  let checks = 0;
  const requestCheck = () =>
    stack.kube.patch(CHR, o.namespace, o.name, {
      metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': `demo-drift-check-${++checks}` } },
    });

  printer.step('1. Flux (the kustomize-controller stand-in) applies the published artifact');
  if (!(await waitFor('the first apply', () => delivered(repo()?.status?.artifact?.revision)))) return;
  printer.step(
    `Delivered=True: ${o.namespace}/${o.name} applied ${shortRevision(repo()?.status?.artifact?.revision)}`,
  );

  const before = repo()?.status?.artifact?.revision;
  printer.step(`2. A unit is edited in ConfigHub (${o.space}/web-config: LOG_LEVEL info → debug)`);
  const unit = stack.emulator.getUnit(o.space, 'web-config');
  stack.emulator.setUnitData(
    o.space,
    'web-config',
    unit.data.toString('utf8').replace('LOG_LEVEL: info', 'LOG_LEVEL: debug'),
  );
  requestCheck();
  if (
    !(await waitFor('the new revision to be applied', () => {
      const now = repo()?.status?.artifact?.revision;
      return now !== before && delivered(now);
    }))
  )
    return;
  printer.step(
    `New artifact ${shortRevision(repo()?.status?.artifact?.revision)} applied by Flux: Delivered=True`,
  );

  const edit = ['-n', 'shop', 'set', 'image', 'deployment/web', 'web=nginx:hotfix'];
  printer.step(`3. Someone edits a Flux-managed field by hand:\n   $ kubectl ${edit.join(' ')}`);
  await run(o.kubectl, ['--kubeconfig', o.kubeconfig, ...edit]);
  // The controller checks drift after each poll of ConfigHub; the demo asks for one now.
  requestCheck();
  if (!(await waitFor('Drifted=True', () => conditionOf(repo(), 'Drifted')?.status === 'True'))) return;
  printer.step('Drifted=True: the report names the field, both values and who changed it (table above)');

  const reconciliations = stack.flux?.reconciliations ?? 0;
  printer.step("4. Flux's next apply (every 20s) takes the field back");
  if (
    !(await waitFor(
      "kustomize-controller's next apply",
      () => (stack.flux?.reconciliations ?? 0) > reconciliations,
    ))
  ) {
    return;
  }
  requestCheck();
  if (!(await waitFor('the drift to resolve', () => conditionOf(repo(), 'Drifted')?.status === 'False')))
    return;
  printer.step(
    `Drift resolved: Drifted=False (${conditionOf(repo(), 'Drifted')?.reason}). Press Ctrl-C to stop.`,
  );
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve) =>
    execFile(command, args, (error, _stdout, stderr) => {
      if (error) process.stderr.write(`kubectl failed: ${stderr || error.message}\n`);
      resolve();
    }),
  );
}
