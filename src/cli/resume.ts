// `confighub-source resume NAME... | --all`: clears spec.suspend and asks for a reconcile in the same
// patch, then waits for each object as `reconcile` does (exit 1 if any is not Ready).

import { KIND } from '../api/constants.ts';
import { resources } from '../kube/resources.ts';
import { clusterCommand } from './cluster-command.ts';
import { describeFailure, EXIT_CODES_HELP } from './errors.ts';
import { HELP_FLAG_HELP } from './flags.ts';
import { KUBE_FLAGS_HELP } from './kube-context.ts';
import { progress } from './output.ts';
import { reportOutcome, waitForReconciliation } from './reconciliation.ts';
import { requestPatch, rfc3339Nano } from './repositories.ts';
import { forEachTarget, planTargets, TARGET_FLAGS, TARGET_FLAGS_HELP } from './targets.ts';
import { parseTimeout, TIMEOUT_FLAG, TIMEOUT_HELP } from './timeout.ts';

const HELP = `Usage: confighub-source resume NAME... [flags]
       confighub-source resume --all [-n NS | -A]

Resumes suspended ConfigHubRepositories (spec.suspend=false), asks for a reconcile and waits for it.

Flags:
${KUBE_FLAGS_HELP}
${TARGET_FLAGS_HELP}
${TIMEOUT_HELP}
  --wait=false           do not wait for the reconciliation
${HELP_FLAG_HELP}

${EXIT_CODES_HELP} A reconciliation that fails or does not finish in time is a failure.
`;

export const run = clusterCommand({
  name: 'resume',
  help: HELP,
  flags: {
    ...TARGET_FLAGS,
    ...TIMEOUT_FLAG,
    wait: { type: 'boolean', default: true },
  },
  plan: ({ values, positionals }) => ({
    targets: planTargets(positionals, values),
    timeoutMs: parseTimeout(values.timeout),
    wait: values.wait,
  }),
  async execute(plan, run) {
    const { client } = run.cluster;
    const requested = await forEachTarget(
      run,
      plan.targets,
      { doing: 'resuming', done: 'resumed' },
      async ({ name, namespace }) => {
        const token = rfc3339Nano();
        await client.patch(resources.repository, namespace, name, 'merge', {
          ...requestPatch(token),
          spec: { suspend: false },
        });
        return { name, namespace, token };
      },
    );
    if (!plan.wait || requested.length === 0) return 0;
    const out = progress(run.io);
    out.waiting(`waiting for ${KIND} reconciliation${requested.length > 1 ? 's' : ''}`);
    const several = requested.length > 1;
    const results = await Promise.all(
      requested.map(async ({ name, namespace, token }) => {
        const prefix = several ? `${namespace}/${name}: ` : '';
        try {
          const done = await waitForReconciliation(client, namespace, name, token, {
            timeoutMs: plan.timeoutMs,
            signal: run.signal,
          });
          return reportOutcome(out, done, { prefix });
        } catch (error) {
          out.failure(`${prefix}${describeFailure(error).message}`);
          return false;
        }
      }),
    );
    return results.every(Boolean) ? 0 : 1;
  },
});
