// The set-up every cluster-facing command shares (get, events, reconcile, suspend, resume, drift): its
// flags parsed with kubectl's connection flags, --help, the arguments checked before anything
// connects, one client for the selected context (closed at the end), and failures and exit codes in
// the one style of errors.ts.
import type { ParseArgsOptionsConfig } from 'node:util';
import type { CommandIO, CommandModule, RunContext } from './commands.ts';
import { runCommand, UsageError } from './errors.ts';
import { parseFlags } from './flags.ts';
import { connect, KUBE_FLAGS, type KubeFlagValues, type KubeTarget } from './kube-context.ts';

/** What a command's body gets once connected. */
export interface ClusterRun {
  io: CommandIO;
  cluster: KubeTarget;
  /** Ends long-running commands as Ctrl-C would; unset when run from a terminal. */
  signal: AbortSignal | undefined;
  /** The clock ages are computed from (ms since the epoch). */
  now: () => number;
}

type Parsed<O extends ParseArgsOptionsConfig> = ReturnType<typeof parseFlags<typeof KUBE_FLAGS & O>>;

export interface ClusterCommandSpec<O extends ParseArgsOptionsConfig, Plan> {
  /** The subcommand, as usage errors name it. */
  name: string;
  help: string;
  /** The command's own flags; the kubeconfig flags and -h are added. */
  flags: O;
  /** Checks flags and arguments (throwing UsageError) and says what to do; nothing is connected yet. */
  plan(parsed: Parsed<O>): Plan;
  execute(plan: Plan, run: ClusterRun): Promise<number>;
}

export function clusterCommand<const O extends ParseArgsOptionsConfig, Plan>(
  spec: ClusterCommandSpec<O, Plan>,
): CommandModule['run'] {
  return (argv: string[], io: CommandIO, context: RunContext = {}) =>
    runCommand(io, spec, async () => {
      const parsed = parseFlags(argv, { ...KUBE_FLAGS, ...spec.flags });
      // The values' type is only known per command; these two are in every command's flags.
      const values = parsed.values as KubeFlagValues & { help?: boolean };
      if (values.help) {
        io.stdout.write(spec.help);
        return 0;
      }
      const plan = spec.plan(parsed);
      const cluster = await connect(values, io.env);
      try {
        return await spec.execute(plan, {
          io,
          cluster,
          signal: context.signal,
          now: context.now ?? Date.now,
        });
      } finally {
        await cluster.close();
      }
    });
}

/** `[NAME]` for commands that list (get, events): at most one, and not with -A (kubectl's rule). */
export function optionalName(positionals: string[], allNamespaces: boolean | undefined): string | undefined {
  if (positionals.length > 1) throw new UsageError(`expected at most one NAME, got ${positionals.length}`);
  const name = positionals[0];
  if (name !== undefined && allNamespaces) {
    throw new UsageError('a resource cannot be retrieved by name across all namespaces');
  }
  return name;
}
