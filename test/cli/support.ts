// Runs CLI commands in-process with captured output, as a terminal would see them, and starts the
// Kubernetes API test server they talk to.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { CommandModule } from '../../src/cli/commands.ts';
import { KubeApiServer, type KubeApiServerOptions } from '../../testkit/kube-api-server/index.ts';
import { PROJECT_CRD } from '../../testkit/local-stack.ts';

/** A ConfigHubRepository as a user applies it, for a server with no controller; `status` as given. */
export function seededRepository(namespace: string, name: string, status?: Record<string, unknown>) {
  return {
    apiVersion: 'source.confighub.com/v1beta1',
    kind: 'ConfigHubRepository',
    metadata: { name, namespace },
    spec: { interval: '1h', space: 'shop-prod', secretRef: { name: 'token' } },
    ...(status === undefined ? {} : { status }),
  };
}

/** A ConfigHubRepository the controller has reconciled: Ready=True with an artifact of `revision`. */
export function readyRepository(namespace: string, name: string, revision: string) {
  const file = `confighubrepository/${namespace}/${name}/${revision.split(':').at(-1)}.tar.gz`;
  return seededRepository(namespace, name, {
    observedGeneration: 1,
    conditions: [
      {
        type: 'Ready',
        status: 'True',
        reason: 'Succeeded',
        message: `stored artifact for revision '${revision}'`,
        lastTransitionTime: '2026-01-01T00:00:00Z',
      },
    ],
    artifact: {
      path: file,
      url: `http://127.0.0.1:9090/${file}`,
      revision,
      digest: `sha256:${'a'.repeat(64)}`,
      lastUpdateTime: '2026-01-01T00:00:00Z',
    },
  });
}

/** The flags of `confighub-source build` that read `space` from `server` with the token in `tokenFile`. */
export function buildFlags(server: string, tokenFile: string, space = 'shop-prod'): string[] {
  return ['--server', server, '--space', space, '--token-file', tokenFile];
}

/** A Kubernetes API test server serving the ConfigHubRepository CRD, and a kubeconfig file for it. */
export async function startApiServer(options: KubeApiServerOptions = {}): Promise<{
  server: KubeApiServer;
  kubeconfig: string;
  close(): Promise<void>;
}> {
  const server = await new KubeApiServer(options).listen();
  server.registerCrd(await readFile(PROJECT_CRD, 'utf8'));
  const dir = await mkdtemp(join(tmpdir(), 'cli-api-'));
  const kubeconfig = await server.writeKubeconfig(join(dir, 'kubeconfig'));
  return {
    server,
    kubeconfig,
    close: async () => {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: () => void): void {
    this.text += chunk.toString();
    callback();
  }
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function cli(
  command: CommandModule,
  argv: string[],
  options: { signal?: AbortSignal; env?: Record<string, string | undefined>; now?: () => number } = {},
): Promise<CliResult> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await command.run(
    argv,
    { stdout, stderr, env: options.env ?? {} },
    { signal: options.signal, now: options.now },
  );
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** Starts a command that runs until aborted, with its live output. */
export function startCli(command: CommandModule, argv: string[]) {
  const stdout = new Capture();
  const stderr = new Capture();
  const abort = new AbortController();
  const done = command.run(argv, { stdout, stderr, env: {} }, { signal: abort.signal });
  return { stdout, stderr, abort: () => abort.abort(), done };
}

/** Splits a kubectl-style table into records by the header's column offsets (cells may be empty). */
export function parseTable(text: string): Record<string, string>[] {
  const [header, ...rows] = text.trimEnd().split('\n');
  if (header === undefined) return [];
  const names = header.split(/ {3,}/);
  const starts: number[] = [];
  let from = 0;
  for (const name of names) {
    starts.push(header.indexOf(name, from));
    from = starts.at(-1)! + name.length;
  }
  return rows.map((row) =>
    Object.fromEntries(
      names.map((name, i) => [
        name,
        row.slice(starts[i], i + 1 < names.length ? starts[i + 1] : undefined).trim(),
      ]),
    ),
  );
}
