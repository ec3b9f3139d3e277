// `confighub-source suspend NAME... | --all`: sets spec.suspend=true, as `flux suspend source` does. The
// controller then leaves the object alone and keeps serving its last artifact.
import { resources } from '../kube/resources.ts';
import { clusterCommand } from './cluster-command.ts';
import { EXIT_CODES_HELP } from './errors.ts';
import { HELP_FLAG_HELP } from './flags.ts';
import { KUBE_FLAGS_HELP } from './kube-context.ts';
import { forEachTarget, planTargets, TARGET_FLAGS, TARGET_FLAGS_HELP } from './targets.ts';

const HELP = `Usage: confighub-source suspend NAME... [flags]
       confighub-source suspend --all [-n NS | -A]

Suspends the reconciliation of ConfigHubRepositories (spec.suspend=true).

Flags:
${KUBE_FLAGS_HELP}
${TARGET_FLAGS_HELP}
${HELP_FLAG_HELP}

${EXIT_CODES_HELP}
`;

export const run = clusterCommand({
  name: 'suspend',
  help: HELP,
  flags: TARGET_FLAGS,
  plan: ({ values, positionals }) => planTargets(positionals, values),
  async execute(targets, run) {
    await forEachTarget(run, targets, { doing: 'suspending', done: 'suspended' }, ({ name, namespace }) =>
      run.cluster.client.patch(resources.repository, namespace, name, 'merge', { spec: { suspend: true } }),
    );
    return 0;
  },
});
