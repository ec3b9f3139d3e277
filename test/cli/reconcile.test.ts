// `confighub-source reconcile`, `suspend` and `resume` against the Kubernetes API test server and the
// real controller; timeouts against a server with no controller.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as reconcile from '../../src/cli/reconcile.ts';
import * as resume from '../../src/cli/resume.ts';
import * as suspend from '../../src/cli/suspend.ts';
import { KubeApiServer } from '../../testkit/kube-api-server/index.ts';
import { PROJECT_CRD } from '../../testkit/local-stack.ts';
import { useLocalStack } from '../support/local-stack.ts';
import { CHR, condition, type Repo } from '../support/repositories.ts';
import { cli, seededRepository } from './support.ts';

const RFC3339_NANO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

const stack = useLocalStack();
let dir: string;
let kubeconfig: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-reconcile-'));
  kubeconfig = await stack.kube.writeKubeconfig(join(dir, 'kubeconfig'), 'team-r');
  await stack.createRepository('team-r', 'shop');
  await stack.createRepository('team-r', 'web', { where: "Slug = 'web'" });
  stack.kube.create(stack.tokenSecret('team-r', 'bad-token', 'not-a-valid-token'));
  await stack.createRepository('team-r', 'broken', { secretRef: { name: 'bad-token' } });
  await stack.createRepository('team-s', 'one');
  await stack.createRepository('team-s', 'two');
  await Promise.all([
    stack.waitForReady('team-r', 'shop'),
    stack.waitForReady('team-r', 'web'),
    stack.waitForReady('team-s', 'one'),
    stack.waitForReady('team-s', 'two'),
    stack.waitForCondition('team-r', 'broken', 'Ready', 'False'),
  ]);
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const repo = (namespace: string, name: string) => stack.kube.get(CHR, namespace, name) as Repo;

describe('reconcile', () => {
  it('annotates, waits for the controller to handle the request and prints the revision', async () => {
    const { code, stdout, stderr } = await cli(reconcile, ['--kubeconfig', kubeconfig, 'shop']);
    expect(code).toBe(0);
    expect(stdout).toBe('');
    const after = repo('team-r', 'shop');
    const token = after.metadata.annotations!['reconcile.fluxcd.io/requestedAt']!;
    expect(token).toMatch(RFC3339_NANO);
    expect(after.status!.lastHandledReconcileAt).toBe(token);
    expect(stderr).toBe(
      [
        '► annotating ConfigHubRepository shop in team-r namespace',
        '✔ ConfigHubRepository annotated',
        '◎ waiting for ConfigHubRepository reconciliation',
        '✔ ConfigHubRepository reconciliation completed',
        `✔ fetched revision ${after.status!.artifact!.revision}`,
        '',
      ].join('\n'),
    );
    // The request went through a merge patch of metadata only, and the wait through a watch.
    const writes = stack.kube.requests.filter(
      (r) => r.method === 'PATCH' && r.path.endsWith('/confighubrepositories/shop'),
    );
    expect(writes.at(-1)!.contentType).toBe('application/merge-patch+json');
    expect(
      stack.kube.requests.some(
        (r) =>
          r.watch &&
          r.path.endsWith('/namespaces/team-r/confighubrepositories') &&
          r.query['fieldSelector'] === 'metadata.name=shop',
      ),
    ).toBe(true);
  });

  it('each request carries a new token', async () => {
    await cli(reconcile, ['--kubeconfig', kubeconfig, 'web']);
    const first = repo('team-r', 'web').status!.lastHandledReconcileAt;
    const { code } = await cli(reconcile, [
      '--kubeconfig',
      kubeconfig,
      '-n',
      'team-r',
      'web',
      '--timeout=30s',
    ]);
    expect(code).toBe(0);
    expect(repo('team-r', 'web').status!.lastHandledReconcileAt).not.toBe(first);
  });

  it('exits 1 with the Ready message when the reconciliation fails', async () => {
    const { code, stderr } = await cli(reconcile, ['--kubeconfig', kubeconfig, 'broken']);
    expect(code).toBe(1);
    const after = repo('team-r', 'broken');
    expect(after.status!.lastHandledReconcileAt).toBe(
      after.metadata.annotations!['reconcile.fluxcd.io/requestedAt'],
    );
    const message = condition(after, 'Ready')!.message;
    expect(message).toContain('credential was rejected');
    expect(stderr.trimEnd().split('\n').at(-1)).toBe(`✗ ${message}`);
    expect(stderr).not.toContain(stack.emulator.fixture.token);
  });

  it('refuses a suspended object without annotating it', async () => {
    stack.kube.patch(CHR, 'team-r', 'web', { spec: { suspend: true } });
    try {
      const before = repo('team-r', 'web').metadata.annotations?.['reconcile.fluxcd.io/requestedAt'];
      const { code, stderr } = await cli(reconcile, ['--kubeconfig', kubeconfig, 'web']);
      expect(code).toBe(1);
      expect(stderr).toBe(
        "✗ ConfigHubRepository team-r/web is suspended; resume it first with 'confighub-source resume web -n team-r'\n",
      );
      expect(repo('team-r', 'web').metadata.annotations?.['reconcile.fluxcd.io/requestedAt']).toBe(before);
    } finally {
      stack.kube.patch(CHR, 'team-r', 'web', { spec: { suspend: false } });
    }
  });

  it('exits 1 when the object does not exist', async () => {
    const { code, stderr } = await cli(reconcile, ['--kubeconfig', kubeconfig, 'nope']);
    expect(code).toBe(1);
    expect(stderr).toBe(
      '✗ Error from server (NotFound): confighubrepositories.source.confighub.com "nope" not found\n',
    );
  });

  it.each([
    [[], 'expected exactly one NAME'],
    [['a', 'b'], 'expected exactly one NAME'],
    [['shop', '--timeout', 'soon'], 'reconcile: invalid value "soon" for --timeout'],
    [['shop', '-A'], '--all-namespaces is not supported'],
    [['shop', '--force'], 'reconcile: unknown flag: --force'],
  ])('%j exits 2', async (argv, message) => {
    const { code, stderr } = await cli(reconcile, ['--kubeconfig', kubeconfig, ...argv]);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(stderr).toContain('Usage: confighub-source reconcile NAME');
  });
});

describe('reconcile without a controller', () => {
  let server: KubeApiServer;
  let idleConfig: string;
  beforeAll(async () => {
    server = await new KubeApiServer().listen();
    server.registerCrd(await readFile(PROJECT_CRD, 'utf8'));
    server.create(seededRepository('default', 'idle'));
    idleConfig = await server.writeKubeconfig(join(dir, 'idle-kubeconfig'));
  });
  afterAll(async () => {
    await server?.close();
  });

  it('times out with exit 1 when nobody handles the request', async () => {
    const { code, stderr } = await cli(reconcile, ['--kubeconfig', idleConfig, 'idle', '--timeout', '300ms']);
    expect(code).toBe(1);
    expect(stderr.trimEnd().split('\n').at(-1)).toBe(
      '✗ timed out after 300ms waiting for ConfigHubRepository default/idle reconciliation',
    );
    // It watched (no polling): one GET of the object before the wait, one when the wait began.
    const gets = server.requests.filter(
      (r) => r.method === 'GET' && r.path.endsWith('/confighubrepositories/idle'),
    );
    expect(gets.length).toBeLessThanOrEqual(2);
  });

  it('a timeout says what the controller last reported', async () => {
    server.seed(
      seededRepository('default', 'stuck', {
        observedGeneration: 1,
        conditions: [readyCondition('False', "secret 'token' not found")],
      }),
    );
    const { code, stderr } = await cli(reconcile, [
      '--kubeconfig',
      idleConfig,
      'stuck',
      '--timeout',
      '200ms',
    ]);
    expect(code).toBe(1);
    expect(stderr.trimEnd().split('\n').at(-1)).toBe(
      "✗ timed out after 200ms waiting for ConfigHubRepository default/stuck reconciliation; last status: Ready=False Failed: secret 'token' not found (the request was not handled yet)",
    );
  });

  it('stops waiting when its signal aborts', async () => {
    const abort = new AbortController();
    const running = cli(reconcile, ['--kubeconfig', idleConfig, 'idle'], { signal: abort.signal });
    await server.waitFor(() => server.openWatches > 0, { description: 'the wait to watch' });
    abort.abort();
    const { code, stderr } = await running;
    expect(code).toBe(1);
    expect(stderr).toContain(
      '✗ interrupted while waiting for ConfigHubRepository default/idle reconciliation',
    );
  });

  it('survives a dropped watch and an expired resourceVersion while waiting', async () => {
    const requested = () =>
      server.get(CHR, 'default', 'idle')!.metadata.annotations?.['reconcile.fluxcd.io/requestedAt'];
    const previous = requested();
    const watchesBefore = server.requests.filter((r) => r.watch).length;
    const running = cli(reconcile, ['--kubeconfig', idleConfig, 'idle', '--timeout', '10s']);
    const token = await server.waitFor(() => (requested() !== previous ? requested() : undefined), {
      description: 'the request annotation',
    });
    await server.waitFor(() => server.requests.filter((r) => r.watch).length > watchesBefore, {
      description: 'the first watch',
    });
    server.compactHistory();
    server.dropWatches();
    server.patch(
      CHR,
      'default',
      'idle',
      {
        status: {
          lastHandledReconcileAt: token,
          observedGeneration: server.get(CHR, 'default', 'idle')!.metadata.generation,
          artifact: artifactFor('head@sha256:2'),
          conditions: [readyCondition('True', 'stored artifact for revision head@sha256:2')],
        },
      },
      { subresource: 'status' },
    );
    const { code, stderr } = await running;
    expect(stderr).toContain('✔ fetched revision head@sha256:2');
    expect(code).toBe(0);
  });

  it('a handled request that leaves the object InProgress is not success: it keeps waiting', async () => {
    const requested = () =>
      server.get(CHR, 'default', 'idle')!.metadata.annotations?.['reconcile.fluxcd.io/requestedAt'];
    const previous = requested();
    const running = cli(reconcile, ['--kubeconfig', idleConfig, 'idle', '--timeout', '5s']);
    // Whether the status lands before or after the watch starts, the wait reads, then watches.
    const token = await server.waitFor(() => (requested() !== previous ? requested() : undefined), {
      description: 'the request annotation',
    });
    const annotated = Number(server.get(CHR, 'default', 'idle')!.metadata.resourceVersion);
    // Handled, but a newer generation is not observed yet: kstatus InProgress.
    server.patch(CHR, 'default', 'idle', { spec: { interval: '2h' } });
    const intermediate = server.patch(
      CHR,
      'default',
      'idle',
      {
        status: {
          lastHandledReconcileAt: token,
          observedGeneration: 1,
          conditions: [readyCondition('True', 'stored artifact for revision head@sha256:0')],
        },
      },
      { subresource: 'status' },
    );
    // The command is watching from a state no later than that one, so it judges it before the next.
    expect(Number(intermediate.metadata.resourceVersion)).toBeGreaterThan(annotated);
    await server.waitFor(
      () =>
        server.requests.some(
          (r) =>
            r.watch &&
            r.path.endsWith('/confighubrepositories') &&
            Number(r.query['resourceVersion']) >= annotated,
        ),
      { description: 'a watch that will deliver the intermediate state' },
    );
    // Then the controller catches up: Current and Ready.
    server.patch(
      CHR,
      'default',
      'idle',
      {
        status: {
          observedGeneration: 2,
          artifact: artifactFor('head@sha256:1'),
          conditions: [readyCondition('True', 'stored artifact for revision head@sha256:1')],
        },
      },
      { subresource: 'status' },
    );
    const { code, stderr } = await running;
    expect(stderr).toContain('✔ fetched revision head@sha256:1');
    expect(code).toBe(0);
  });
});

describe('suspend and resume', () => {
  it('suspend sets spec.suspend and resume clears it, reconciles and waits', async () => {
    const suspended = await cli(suspend, ['--kubeconfig', kubeconfig, 'shop']);
    expect(suspended).toEqual({
      code: 0,
      stdout: '',
      stderr:
        '► suspending ConfigHubRepository shop in team-r namespace\n✔ ConfigHubRepository shop suspended\n',
    });
    expect(repo('team-r', 'shop').spec.suspend).toBe(true);
    expect((await cli(reconcile, ['--kubeconfig', kubeconfig, 'shop'])).code).toBe(1);

    const resumed = await cli(resume, ['--kubeconfig', kubeconfig, 'shop']);
    expect(resumed.code).toBe(0);
    const after = repo('team-r', 'shop');
    expect(after.spec.suspend).toBe(false);
    expect(after.status!.lastHandledReconcileAt).toBe(
      after.metadata.annotations!['reconcile.fluxcd.io/requestedAt'],
    );
    expect(after.status!.observedGeneration).toBe(after.metadata.generation);
    expect(resumed.stderr).toBe(
      [
        '► resuming ConfigHubRepository shop in team-r namespace',
        '✔ ConfigHubRepository shop resumed',
        '◎ waiting for ConfigHubRepository reconciliation',
        '✔ ConfigHubRepository reconciliation completed',
        `✔ fetched revision ${after.status!.artifact!.revision}`,
        '',
      ].join('\n'),
    );
  });

  it('--all acts on every object of the namespace', async () => {
    expect((await cli(suspend, ['--kubeconfig', kubeconfig, '--all', '-n', 'team-s'])).code).toBe(0);
    expect(repo('team-s', 'one').spec.suspend).toBe(true);
    expect(repo('team-s', 'two').spec.suspend).toBe(true);
    expect(repo('team-r', 'web').spec.suspend).not.toBe(true);

    const resumed = await cli(resume, ['--kubeconfig', kubeconfig, '--all', '-n', 'team-s']);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain('✔ team-s/one: ConfigHubRepository reconciliation completed');
    expect(resumed.stderr).toContain('✔ team-s/two: ConfigHubRepository reconciliation completed');
    for (const name of ['one', 'two']) {
      const r = repo('team-s', name);
      expect(r.spec.suspend).toBe(false);
      expect(r.status!.lastHandledReconcileAt).toBe(
        r.metadata.annotations!['reconcile.fluxcd.io/requestedAt'],
      );
    }
  });

  it('resume exits 1 with the message of an object that fails', async () => {
    const { code, stderr } = await cli(resume, ['--kubeconfig', kubeconfig, 'broken']);
    expect(code).toBe(1);
    expect(stderr.trimEnd().split('\n').at(-1)).toBe(
      `✗ ${condition(repo('team-r', 'broken'), 'Ready')!.message}`,
    );
  });

  it('an empty namespace is reported, not an error', async () => {
    const { code, stderr } = await cli(suspend, ['--kubeconfig', kubeconfig, '--all', '-n', 'empty-ns']);
    expect(code).toBe(0);
    expect(stderr).toBe('✗ no ConfigHubRepository objects found in empty-ns namespace\n');
  });

  it('a missing object is an error and nothing else is touched', async () => {
    const { code, stderr } = await cli(suspend, ['--kubeconfig', kubeconfig, 'nope', 'web']);
    expect(code).toBe(1);
    expect(stderr).toBe(
      '✗ Error from server (NotFound): confighubrepositories.source.confighub.com "nope" not found\n',
    );
    expect(repo('team-r', 'web').spec.suspend).not.toBe(true);
  });

  it.each([
    [suspend, [], 'expected at least one NAME (or --all)'],
    [suspend, ['shop', '--all'], 'give NAME arguments or --all, not both'],
    [suspend, ['shop', '-A'], '--all-namespaces requires --all'],
    [resume, ['shop', '--timeout=0s'], 'resume: invalid value "0s" for --timeout'],
    [resume, ['--nope'], 'resume: unknown flag: --nope'],
  ])('bad arguments exit 2 (%#)', async (command, argv, message) => {
    const { code, stderr } = await cli(command, ['--kubeconfig', kubeconfig, ...argv]);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });
});

function readyCondition(status: string, message: string) {
  return {
    type: 'Ready',
    status,
    reason: status === 'True' ? 'Succeeded' : 'Failed',
    message,
    lastTransitionTime: new Date().toISOString(),
    observedGeneration: 2,
  };
}

function artifactFor(revision: string) {
  return {
    path: 'confighubrepository/default/idle/0.tar.gz',
    url: 'http://127.0.0.1:1/confighubrepository/default/idle/0.tar.gz',
    revision,
    digest: `sha256:${'0'.repeat(64)}`,
    lastUpdateTime: new Date().toISOString(),
    size: 1,
  };
}
