// `confighub-source resume NAME... | --all`: clears spec.suspend and asks for a reconcile in the same
// patch, then waits for each object as `reconcile` does (exit 1 if any is not Ready).
import { parseArgs } from 'node:util';
import { KIND } from '../api/constants.ts';
import { resources } from '../kube/resources.ts';
import type { CommandIO, RunContext } from './commands.ts';
import { describeFailure, runCommand } from './errors.ts';
import { connect, KUBE_FLAGS, KUBE_FLAGS_HELP } from './kube-context.ts';
import { progress } from './output.ts';
import { reportOutcome, waitForReconciliation } from './reconciliation.ts';
import { requestPatch, rfc3339Nano } from './repositories.ts';
import { checkTargetArguments, noneFound, resolveTargets, TARGET_FLAGS_HELP } from './targets.ts';
import { parseTimeout, TIMEOUT_HELP } from './timeout.ts';

const HELP = `Usage: confighub-source resume NAME... [flags]
       confighub-source resume --all [-n NS | -A]

Resumes suspended ConfigHubRepositories (spec.suspend=false), asks for a reconcile and waits for it.

Flags:
${KUBE_FLAGS_HELP}
${TARGET_FLAGS_HELP}
${TIMEOUT_HELP}
  --wait=false           do not wait for the reconciliation
`;

export async function run(argv: string[], io: CommandIO, context: RunContext = {}): Promise<number> {
  return runCommand(io, HELP, async () => {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      allowNegative: true,
      options: {
        ...KUBE_FLAGS,
        all: { type: 'boolean', default: false },
        timeout: { type: 'string', default: '5m' },
        wait: { type: 'boolean', default: true },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (values.help) {
      io.stdout.write(HELP);
      return 0;
    }
    checkTargetArguments(positionals, values.all, values['all-namespaces']);
    const timeoutMs = parseTimeout(values.timeout);
    const target = connect(values, io.env);
    const out = progress(io);
    try {
      const repositories = await resolveTargets(target.client, {
        names: positionals,
        all: values.all,
        namespace: target.namespace,
        allNamespaces: target.allNamespaces,
      });
      if (repositories.length === 0) {
        out.failure(noneFound(target.namespace, target.allNamespaces));
        return 0;
      }
      const requested: { name: string; namespace: string; token: string }[] = [];
      for (const repository of repositories) {
        const { name, namespace = target.namespace } = repository.metadata;
        out.action(`resuming ${KIND} ${name} in ${namespace} namespace`);
        const token = rfc3339Nano();
        await target.client.patch(resources.repository, namespace, name, 'merge', {
          ...requestPatch(token),
          spec: { suspend: false },
        });
        out.success(`${KIND} ${name} resumed`);
        requested.push({ name, namespace, token });
      }
      if (!values.wait) return 0;
      out.waiting(`waiting for ${KIND} reconciliation${requested.length > 1 ? 's' : ''}`);
      const several = requested.length > 1;
      const results = await Promise.all(
        requested.map(async ({ name, namespace, token }) => {
          const prefix = several ? `${namespace}/${name}: ` : '';
          try {
            const done = await waitForReconciliation(target.client, namespace, name, token, {
              timeoutMs,
              signal: context.signal,
            });
            return reportOutcome(out, done, { prefix });
          } catch (error) {
            out.failure(`${prefix}${describeFailure(error).message}`);
            return false;
          }
        }),
      );
      return results.every(Boolean) ? 0 : 1;
    } finally {
      await target.close();
    }
  });
}
