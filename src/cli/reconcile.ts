// `confighub-source reconcile NAME`: what `flux reconcile source` does for Flux's own sources. Sets
// reconcile.fluxcd.io/requestedAt, waits through a watch until the controller handled that request and
// settled, then requires Ready=True.
import { parseArgs } from 'node:util';
import { KIND } from '../api/constants.ts';
import { resources } from '../kube/resources.ts';
import type { CommandIO, RunContext } from './commands.ts';
import { CommandError, runCommand, UsageError } from './errors.ts';
import { connect, KUBE_FLAGS, KUBE_FLAGS_HELP } from './kube-context.ts';
import { progress } from './output.ts';
import { reportOutcome, waitForReconciliation } from './reconciliation.ts';
import { getRepository, isSuspended, requestPatch, rfc3339Nano } from './repositories.ts';
import { parseTimeout, TIMEOUT_HELP } from './timeout.ts';

const HELP = `Usage: confighub-source reconcile NAME [flags]

Asks the controller to reconcile a ConfigHubRepository now (annotation reconcile.fluxcd.io/requestedAt)
and waits for the result. Exits 1 when the reconciliation fails or does not finish in time.

Flags:
${KUBE_FLAGS_HELP}
${TIMEOUT_HELP}
`;

export async function run(argv: string[], io: CommandIO, context: RunContext = {}): Promise<number> {
  return runCommand(io, HELP, async () => {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        ...KUBE_FLAGS,
        timeout: { type: 'string', default: '5m' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (values.help) {
      io.stdout.write(HELP);
      return 0;
    }
    if (positionals.length !== 1) throw new UsageError('expected exactly one NAME');
    if (values['all-namespaces']) throw new UsageError('--all-namespaces is not supported by reconcile');
    const name = positionals[0]!;
    const timeoutMs = parseTimeout(values.timeout);
    const target = connect(values, io.env);
    const out = progress(io);
    try {
      const { namespace, client } = target;
      const { repository } = await getRepository(client, namespace, name);
      if (isSuspended(repository)) {
        throw new CommandError(
          `${KIND} ${namespace}/${name} is suspended; resume it first with 'confighub-source resume ${name} -n ${namespace}'`,
        );
      }
      out.action(`annotating ${KIND} ${name} in ${namespace} namespace`);
      const token = rfc3339Nano();
      await client.patch(resources.repository, namespace, name, 'merge', requestPatch(token));
      out.success(`${KIND} annotated`);
      out.waiting(`waiting for ${KIND} reconciliation`);
      const done = await waitForReconciliation(client, namespace, name, token, {
        timeoutMs,
        signal: context.signal,
      });
      return reportOutcome(out, done) ? 0 : 1;
    } finally {
      await target.close();
    }
  });
}
