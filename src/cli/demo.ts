// `npm start` with no cluster: the whole loop on this machine. Starts the ConfigHub emulator with its
// web-app fixture, the Kubernetes API test server with our CRD and Flux's, the real controller, applies
// config/samples (pointed at the emulator), and prints the live view until Ctrl-C. A kubeconfig is
// written so the real kubectl can look too.
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseAllDocuments } from 'yaml';
import type { RepositoryObject } from '../api/v1beta1.ts';
import { createLogger } from '../telemetry/logger.ts';
import { type LocalStack, startLocalStack } from '../testkit/local-stack.ts';
import { delay } from '../util/timers.ts';
import type { CommandIO } from './commands.ts';
import { renderKubectlView, renderRepositories } from './table.ts';

const SAMPLES = fileURLToPath(new URL('../../config/samples/', import.meta.url));
const DEMO_SPACE = 'shop-prod';

const HELP = `Usage: npm start  (or: confighub-source demo [flags])

Runs the ConfigHub emulator, a Kubernetes API test server and the controller on 127.0.0.1, applies
config/samples against them and prints what 'kubectl get' shows, until Ctrl-C.

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
      timeout: { type: 'string', default: '60' },
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
  const logger = createLogger({
    level: values['log-level'] as 'error',
    encoding: 'console',
    destination: io.stderr,
  });
  const stack = await startLocalStack({ logger, controllerArgs: ['--concurrent=4'] });
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
      `  Applied:              ${applied.join(', ')}`,
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
    const deadline = Date.now() + Number(values.timeout) * 1000;
    while (Date.now() < deadline && !allReady(view().repos)) await sleep(200);
    const { repos, text } = view();
    io.stdout.write(`$ kubectl get confighubrepositories -A\n${text}`);
    await stack.stop();
    return allReady(repos) ? 0 : 1;
  }

  let stopping = false;
  const stopped = new Promise<void>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
  });
  const changeEvery = Number(values['change-every']) * 1000;
  let edits = 0;
  const changer =
    changeEvery > 0
      ? setInterval(() => {
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
              {
                metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': new Date().toISOString() } },
              },
            );
          }
        }, changeEvery)
      : undefined;
  const printer = setInterval(() => {
    if (!stopping)
      io.stdout.write(
        `\n$ kubectl get confighubrepositories -A   (${new Date().toISOString()})\n${view().text}`,
      );
  }, 3000);
  io.stdout.write(`$ kubectl get confighubrepositories -A\n${view().text}`);
  await stopped;
  stopping = true;
  clearInterval(printer);
  if (changer) clearInterval(changer);
  await stack.stop();
  io.stdout.write('demo stopped\n');
  return 0;
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
      });
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
