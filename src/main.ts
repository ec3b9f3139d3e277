// Process entry of the controller image and of `npm start`. With a cluster configured (in-cluster,
// --kubeconfig, $KUBECONFIG or ~/.kube/config) it runs the controller; with none it runs the local
// demo stack so a newcomer sees the whole loop with one command.
// First, before the controller loads client-node (see kube/client-node-slim.ts).
import './kube/client-node-slim.ts';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const argv = process.argv.slice(2);
const io = { stdout: process.stdout, stderr: process.stderr, env: process.env };

function clusterConfigured(): boolean {
  return (
    argv.some((arg) => arg.startsWith('--kubeconfig')) ||
    Boolean(process.env['KUBECONFIG']) ||
    Boolean(process.env['KUBERNETES_SERVICE_HOST']) ||
    existsSync(join(homedir(), '.kube', 'config'))
  );
}

const command = clusterConfigured() ? await import('./cli/controller.ts') : await import('./cli/demo.ts');
process.exitCode = await command.run(argv, io);
