// Process entry of the controller image: always the controller, against the cluster it runs in (or the
// one --kubeconfig names). The local demo is `npm start`, never this file, so starting the demo can
// never touch a cluster someone has configured.
// First, before the controller loads client-node (see kube/client-node-slim.ts).
import './kube/client-node-slim.ts';

const command = await import('./cli/controller.ts');
process.exitCode = await command.run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
