// The controller as a separate OS process (`node src/cli/main.ts controller --kubeconfig …`), so tests can
// kill it with SIGKILL mid-write and read its own /metrics (process memory included).
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../../src/cli/main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A port that was free a moment ago (the controller binds it right after). */
export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface ControllerProcess {
  readonly pid: number;
  readonly artifactsUrl: string;
  readonly metricsUrl: string;
  readonly healthUrl: string;
  /** Everything the process wrote to stderr (its JSON log lines). */
  readonly output: () => string;
  readonly exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

export interface ControllerProcessOptions {
  kubeconfigPath: string;
  storagePath: string;
  args?: string[];
}

export async function spawnController(options: ControllerProcessOptions): Promise<ControllerProcess> {
  const [storage, metrics, health] = [await freePort(), await freePort(), await freePort()];
  const child: ChildProcess = spawn(
    process.execPath,
    [
      CLI,
      'controller',
      `--kubeconfig=${options.kubeconfigPath}`,
      `--storage-path=${options.storagePath}`,
      `--storage-addr=127.0.0.1:${storage}`,
      `--storage-adv-addr=127.0.0.1:${storage}`,
      `--metrics-addr=127.0.0.1:${metrics}`,
      `--health-addr=127.0.0.1:${health}`,
      '--min-retry-delay=200ms',
      '--max-retry-delay=5s',
      '--requeue-dependency=1s',
      ...(options.args ?? []),
    ],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NODE_NO_WARNINGS: '1' } },
  );
  let output = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    output += chunk;
  });
  // A test process that ends without its afterAll (a timeout, an interrupted run) takes its controller along.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      process.off('exit', killOnExit);
      resolve(code);
    }),
  );
  const proc: ControllerProcess = {
    pid: child.pid ?? -1,
    artifactsUrl: `http://127.0.0.1:${storage}`,
    metricsUrl: `http://127.0.0.1:${metrics}/metrics`,
    healthUrl: `http://127.0.0.1:${health}`,
    output: () => output,
    exited,
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return await exited;
    },
  };
  // Ready once the artifact server answers its readiness probe (storage initialised, workers started).
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`controller exited with ${child.exitCode}: ${output}`);
    const ok = await fetch(`${proc.artifactsUrl}/`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return proc;
    if (Date.now() > deadline) {
      await proc.kill('SIGKILL');
      throw new Error(`controller did not become ready within 20 s: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
