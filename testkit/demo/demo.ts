// `npm start` with no cluster: the whole loop on this machine. Starts the ConfigHub emulator with its
// web-app fixture, the Kubernetes API test server with our CRD and Flux's, the real controller and a
// kustomize-controller stand-in (when kubectl is on PATH), applies config/samples (pointed at the
// emulator), tells the delivery-and-drift story and prints what changes until Ctrl-C. A kubeconfig is
// written so the real kubectl can look too.
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { parseDuration } from '../../src/api/duration.ts';
import type { RepositoryObject } from '../../src/api/v1beta1.ts';
import type { CommandIO } from '../../src/cli/commands.ts';
import { renderKubectlView, renderRepositories } from '../../src/cli/table.ts';
import { createLogger } from '../../src/telemetry/logger.ts';
import { delay } from '../../src/util/timers.ts';
import { findKubectl } from '../flux/index.ts';
import { type LocalStack, startLocalStack } from '../local-stack.ts';
import { tellStory } from './demo-story.ts';
import { ChangePrinter, driftTable, kustomizationsTable, repositoriesTable } from './demo-view.ts';

const SAMPLES = fileURLToPath(new URL('../../config/samples/', import.meta.url));
const DEMO_SPACE = 'shop-prod';
/** Short enough to see Flux correct a kubectl edit within a minute. */
const DEMO_KUSTOMIZATION_INTERVAL = '20s';

const HELP = `Usage: npm start -- [flags]  (or: node testkit/cli.ts demo [flags])

Runs the ConfigHub emulator, a Kubernetes API test server, the controller and (with kubectl on PATH) a
kustomize-controller stand-in on 127.0.0.1, applies config/samples against them, then shows a unit
edit reaching the cluster, a kubectl edit reported as drift and Flux correcting it; prints tables
only when they change, until Ctrl-C.

Flags:
  --once                 exit as soon as every sample repository is Ready (exit 1 after --timeout)
  --timeout DURATION     with --once, how long to wait (default 60s)
  --kubeconfig-dir DIR   where to write the kubeconfig (default .demo)
  --change-every SEC     edit a unit in the emulator every SEC seconds to show new revisions (default 30; 0 = never)
  --log-level LEVEL      controller log level on stderr (default error)
`;

export async function run(argv: string[], io: CommandIO): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      once: { type: 'boolean', default: false },
      timeout: { type: 'string', default: '60s' },
      'kubeconfig-dir': { type: 'string', default: '.demo' },
      'change-every': { type: 'string', default: '30' },
      'log-level': { type: 'string', default: 'error' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  // A Flux duration (60s, 2m); a bare number is read as seconds, as earlier versions took it.
  const timeoutMs = /^[0-9]+$/.test(values.timeout)
    ? Number(values.timeout) * 1000
    : parseDuration(values.timeout);
  if (timeoutMs === undefined || timeoutMs <= 0) {
    io.stderr.write(`demo: --timeout must be a duration such as 60s or 2m, not '${values.timeout}'\n`);
    return 2;
  }
  const logger = createLogger({
    level: values['log-level'] as 'error',
    encoding: 'console',
    destination: io.stderr,
  });
  const kubectl = findKubectl();
  const stack = await startLocalStack({
    logger,
    controllerArgs: ['--concurrent=4'],
    kustomizeController: kubectl !== undefined && !values.once ? { pollMs: 500 } : false,
  });
  const kubeconfigDir = resolve(values['kubeconfig-dir']);
  await mkdir(kubeconfigDir, { recursive: true });
  const kubeconfig = await stack.kube.writeKubeconfig(join(kubeconfigDir, 'kubeconfig'));
  const applied = await applySamples(stack);

  io.stdout.write(
    [
      'confighub-source-controller local demo',
      `  ConfigHub emulator:   ${stack.emulator.url} (space '${DEMO_SPACE}')`,
      `  Kubernetes API:       ${stack.kube.url}`,
      `  Artifact server:      ${stack.controller!.servers.artifacts.url}`,
      `  Metrics:              ${stack.controller!.servers.metrics.url}/metrics`,
      `  Try:                  kubectl --kubeconfig ${kubeconfig} get chr,ea -A`,
      `                        kubectl --kubeconfig ${kubeconfig} wait --for=condition=Ready ks/app-config -n team-a`,
      `  Applied:              ${applied.join(', ')}`,
      `  Flux:                 ${fluxLine(kubectl, values.once)}`,
      '',
    ].join('\n'),
  );

  const view = () => {
    const repos = stack.kube.list({
      group: 'source.confighub.com',
      plural: 'confighubrepositories',
    }) as RepositoryObject[];
    return {
      repos,
      text: `${renderKubectlView(repos)}\n\n${renderRepositories(repos, { allNamespaces: true })}\n`,
    };
  };
  const allReady = (repos: RepositoryObject[]) =>
    repos.length > 0 &&
    repos.every((r) => r.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));

  if (values.once) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && !allReady(view().repos)) await sleep(200);
    const { repos, text } = view();
    io.stdout.write(`$ kubectl get confighubrepositories -A\n${text}`);
    await stack.stop();
    return allReady(repos) ? 0 : 1;
  }

  const stopped = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stopped.abort());
  const printer = new ChangePrinter((text) => {
    if (!stopped.signal.aborted) io.stdout.write(text);
  });
  const show = () => {
    const repos = view().repos;
    printer.section('$ kubectl get confighubrepositories -A', repositoriesTable(repos));
    if (kubectl === undefined) return;
    printer.section(
      '$ kubectl get kustomizations -A   (kustomize-controller stand-in)',
      kustomizationsTable(
        stack.kube.list({ group: 'kustomize.toolkit.fluxcd.io', plural: 'kustomizations' }),
      ),
    );
    printer.section('Drift report (status.drift)', driftTable(repos));
  };
  printer.refresh = show;
  show();
  const printerTimer = setInterval(show, 1000);
  const story =
    kubectl !== undefined
      ? tellStory({
          stack,
          printer,
          kubectl,
          kubeconfig,
          space: DEMO_SPACE,
          namespace: 'team-a',
          name: 'app-config',
          signal: stopped.signal,
        }).catch((error: unknown) =>
          printer.step(`story stopped: ${error instanceof Error ? error.message : error}`),
        )
      : Promise.resolve();

  // After the story, keep publishing new revisions so the loop stays visible.
  const changeEvery = Number(values['change-every']) * 1000;
  let edits = 0;
  let changer: NodeJS.Timeout | undefined;
  void story.then(() => {
    if (changeEvery <= 0 || stopped.signal.aborted) return;
    changer = setInterval(() => {
      const unit = stack.emulator.getUnit(DEMO_SPACE, 'web-config');
      stack.emulator.setUnitData(
        DEMO_SPACE,
        'web-config',
        `${unit.data.toString('utf8').replace(/\n# demo edit \d+\n?$/, '\n')}# demo edit ${++edits}\n`,
      );
      for (const repo of view().repos) {
        stack.kube.patch(
          { group: 'source.confighub.com', plural: 'confighubrepositories' },
          repo.metadata.namespace,
          repo.metadata.name,
          { metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': new Date().toISOString() } } },
        );
      }
    }, changeEvery);
  });
  await new Promise<void>((resolve) =>
    stopped.signal.addEventListener('abort', () => resolve(), { once: true }),
  );
  clearInterval(printerTimer);
  if (changer) clearInterval(changer);
  await story;
  await stack.stop();
  io.stdout.write('demo stopped\n');
  return 0;
}

function fluxLine(kubectl: string | undefined, once: boolean): string {
  if (kubectl === undefined) {
    return 'kubectl not found on PATH: no kustomize-controller stand-in, so nothing is applied and no drift is shown';
  }
  if (once) return 'kustomize-controller stand-in not started (--once)';
  return `kustomize-controller stand-in (${kubectl} kustomize), Kustomization interval ${DEMO_KUSTOMIZATION_INTERVAL}`;
}

/** Applies the samples with the ConfigHub address, space and token of the emulator. */
async function applySamples(stack: LocalStack): Promise<string[]> {
  const applied: string[] = [];
  const files = (await readdir(SAMPLES))
    .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
    .sort();
  const objects: SampleObject[] = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(await readFile(join(SAMPLES, file), 'utf8'))) {
      const object = doc.toJS() as SampleObject | null;
      if (object?.['kind']) objects.push(object);
    }
  }
  // Namespaces first, as kubectl apply of a kustomization orders them.
  objects.sort((a, b) => Number(b['kind'] === 'Namespace') - Number(a['kind'] === 'Namespace'));
  for (const object of objects) {
    if (object['kind'] === 'Secret') {
      const credentials: Record<string, string> = object['stringData']?.['workerID']
        ? { workerID: stack.emulator.fixture.workerID, workerSecret: stack.emulator.fixture.workerSecret }
        : { token: stack.emulator.fixture.token };
      delete object['stringData'];
      object['data'] = Object.fromEntries(
        Object.entries(credentials).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
      );
    }
    if (object['kind'] === 'ConfigHubRepository') {
      Object.assign(object['spec'] ?? {}, {
        url: stack.emulator.url,
        insecure: true,
        space: DEMO_SPACE,
        interval: '30s',
        drift: { mode: 'report' },
      });
    }
    if (object['kind'] === 'Kustomization') {
      Object.assign(object['spec'] ?? {}, { interval: DEMO_KUSTOMIZATION_INTERVAL });
    }
    stack.kube.create(object);
    applied.push(`${object['kind']}/${object['metadata']['name']}`);
  }
  return applied;
}

type SampleObject = {
  kind: string;
  metadata: { name: string; [key: string]: unknown };
  stringData?: Record<string, string>;
  data?: Record<string, string>;
  spec?: Record<string, unknown>;
  [key: string]: unknown;
};

function sleep(ms: number): Promise<void> {
  return delay(ms, undefined, { ref: true });
}
