// `confighub-source reconcile NAME`: what `flux reconcile source` does for Flux's own sources. Sets
// reconcile.fluxcd.io/requestedAt, waits through a watch until the controller handled that request and
// settled, then requires Ready=True.
import { KIND } from '../api/constants.ts';
import { resources } from '../kube/resources.ts';
import { clusterCommand } from './cluster-command.ts';
import { CommandError, EXIT_CODES_HELP, UsageError } from './errors.ts';
import { HELP_FLAG_HELP } from './flags.ts';
import { ALL_NAMESPACES_FLAG, KUBE_FLAGS_HELP } from './kube-context.ts';
import { progress } from './output.ts';
import { reportOutcome, waitForReconciliation } from './reconciliation.ts';
import { getRepository, isSuspended, requestPatch, rfc3339Nano } from './repositories.ts';
import { parseTimeout, TIMEOUT_FLAG, TIMEOUT_HELP } from './timeout.ts';

const HELP = `Usage: confighub-source reconcile NAME [flags]

Asks the controller to reconcile a ConfigHubRepository now (annotation reconcile.fluxcd.io/requestedAt)
and waits for the result.

Flags:
${KUBE_FLAGS_HELP}
${TIMEOUT_HELP}
${HELP_FLAG_HELP}

${EXIT_CODES_HELP} A reconciliation that fails or does not finish in time is a failure.
`;

export const run = clusterCommand({
  name: 'reconcile',
  help: HELP,
  // -A is refused with a reason rather than as an unknown flag.
  flags: { ...ALL_NAMESPACES_FLAG, ...TIMEOUT_FLAG },
  plan({ values, positionals }) {
    if (positionals.length !== 1) throw new UsageError('expected exactly one NAME');
    if (values['all-namespaces']) throw new UsageError('--all-namespaces is not supported by reconcile');
    return { name: positionals[0]!, timeoutMs: parseTimeout(values.timeout) };
  },
  async execute({ name, timeoutMs }, { io, cluster, signal }) {
    const { namespace, client } = cluster;
    const out = progress(io);
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
    const done = await waitForReconciliation(client, namespace, name, token, { timeoutMs, signal });
    return reportOutcome(out, done) ? 0 : 1;
  },
});
