// `confighub-source suspend NAME... | --all`: sets spec.suspend=true, as `flux suspend source` does. The
// controller then leaves the object alone and keeps serving its last artifact.
import { parseArgs } from 'node:util';
import { KIND } from '../api/constants.ts';
import { resources } from '../kube/resources.ts';
import type { CommandIO } from './commands.ts';
import { runCommand } from './errors.ts';
import { connect, KUBE_FLAGS, KUBE_FLAGS_HELP } from './kube-context.ts';
import { progress } from './output.ts';
import { checkTargetArguments, noneFound, resolveTargets, TARGET_FLAGS_HELP } from './targets.ts';

const HELP = `Usage: confighub-source suspend NAME... [flags]
       confighub-source suspend --all [-n NS | -A]

Suspends the reconciliation of ConfigHubRepositories (spec.suspend=true).

Flags:
${KUBE_FLAGS_HELP}
${TARGET_FLAGS_HELP}
`;

export async function run(argv: string[], io: CommandIO): Promise<number> {
  return runCommand(io, HELP, async () => {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        ...KUBE_FLAGS,
        all: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (values.help) {
      io.stdout.write(HELP);
      return 0;
    }
    checkTargetArguments(positionals, values.all, values['all-namespaces']);
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
      for (const repository of repositories) {
        const { name, namespace = target.namespace } = repository.metadata;
        out.action(`suspending ${KIND} ${name} in ${namespace} namespace`);
        await target.client.patch(resources.repository, namespace, name, 'merge', {
          spec: { suspend: true },
        });
        out.success(`${KIND} ${name} suspended`);
      }
      return 0;
    } finally {
      await target.close();
    }
  });
}
