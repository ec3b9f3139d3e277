// `confighub-source controller` outside a pod refuses to start until the cluster, the storage and the
// address Flux downloads from are given, instead of defaulting to /data, this host's name and
// client-node's http://localhost:8080.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/controller.ts';
import { inCluster, preflightProblems } from '../../src/cli/controller-preflight.ts';

const FULL = ['--kubeconfig=/k', '--storage-path=/s', '--storage-adv-addr=127.0.0.1:9090'];
const nothingExists = () => false;

describe('controller preflight', () => {
  it.each([
    {
      name: 'in a pod, the defaults are the Deployment’s',
      argv: [],
      env: { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' },
      want: [],
    },
    { name: 'everything given as flags', argv: FULL, env: {}, want: [] },
    {
      name: 'everything given as environment',
      argv: [],
      env: { KUBECONFIG: '/k', STORAGE_PATH: '/s', STORAGE_ADV_ADDR: 'h:1' },
      want: [],
    },
    {
      name: 'flags in two words',
      argv: ['--kubeconfig', '/k', '--storage-path', '/s', '--storage-adv-addr', 'h:1'],
      env: {},
      want: [],
    },
    {
      name: 'nothing given',
      argv: [],
      env: {},
      want: ['--kubeconfig', '--storage-path', '--storage-adv-addr'],
    },
    {
      name: 'no address for Flux',
      argv: ['--kubeconfig=/k', '--storage-path=/s'],
      env: {},
      want: ['--storage-adv-addr'],
    },
  ])('$name', ({ argv, env, want }) => {
    const problems = preflightProblems({ argv, env, exists: nothingExists, home: '/home/u' });
    expect(problems).toHaveLength(want.length);
    for (const [i, flag] of want.entries()) expect(problems[i]).toContain(flag);
  });

  it('takes ~/.kube/config as the cluster, as kubectl does', () => {
    const problems = preflightProblems({
      argv: ['--storage-path=/s', '--storage-adv-addr=h:1'],
      env: {},
      exists: (path) => path === '/home/u/.kube/config',
      home: '/home/u',
    });
    expect(problems).toEqual([]);
  });

  it('knows a pod by its service environment only when both variables are set', () => {
    expect(inCluster({ KUBERNETES_SERVICE_HOST: 'h' })).toBe(false);
    expect(inCluster({ KUBERNETES_SERVICE_HOST: 'h', KUBERNETES_SERVICE_PORT: '443' })).toBe(true);
  });

  it('the command exits 2 with one line per missing flag, before it loads or starts anything', async () => {
    const stderr = new PassThrough();
    let text = '';
    stderr.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    const code = await run(['--kubeconfig=/nonexistent/kubeconfig'], {
      stdout: new PassThrough(),
      stderr,
      env: {},
    });
    expect(code).toBe(2);
    const lines = text.split('\n').filter((l) => l.startsWith('controller: '));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('--storage-path DIR is required');
    expect(lines[1]).toContain('--storage-adv-addr HOST:PORT is required');
    expect(text).toContain("Run 'confighub-source controller --help' for more.");
  });
});
