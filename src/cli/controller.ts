// `confighub-source controller`: runs the controller against the cluster of the current kubeconfig
// (or in-cluster config) until SIGTERM/SIGINT, then shuts down gracefully and releases the lease.
import { OptionsError, parseControllerOptions, usage } from '../config/options.ts';
import type { CommandIO } from './commands.ts';
import { preflightProblems } from './controller-preflight.ts';
import { usageMessage } from './errors.ts';

const EXIT_CODES = `
Outside a pod, --kubeconfig (or $KUBECONFIG, ~/.kube/config), --storage-path and --storage-adv-addr are
required: the controller refuses to start without them.

Exit codes: 0 stopped by SIGTERM or SIGINT, 1 failure or lost leadership (a standby takes over),
2 usage error (bad or missing flags).
`;

const help = () => `${usage()}${EXIT_CODES}`;

export async function run(argv: string[], io: CommandIO): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(help());
    return 0;
  }
  let options: ReturnType<typeof parseControllerOptions>;
  try {
    options = parseControllerOptions(argv, io.env);
  } catch (error) {
    if (error instanceof OptionsError) {
      io.stderr.write(usageMessage('controller', help(), error.message));
      return 2;
    }
    throw error;
  }
  const problems = preflightProblems({ argv, env: io.env });
  if (problems.length > 0) {
    io.stderr.write(usageMessage('controller', help(), problems.join('\ncontroller: ')));
    return 2;
  }
  // The controller itself loads once its flags are known to be good.
  const [{ KubeConfig }, { startController }, { createLogger }] = await Promise.all([
    import('@kubernetes/client-node/dist/config.js'),
    import('../controller/runtime.ts'),
    import('../telemetry/logger.ts'),
  ]);
  const logger = createLogger({
    level: options.logLevel,
    encoding: options.logEncoding,
    destination: io.stderr,
  });
  const kubeConfig = new KubeConfig();
  if (options.kubeconfig) kubeConfig.loadFromFile(options.kubeconfig);
  else kubeConfig.loadFromDefault();

  let exitCode = 0;
  const stopped = new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'shutting down');
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  let lost: () => void = () => undefined;
  const leadershipLost = new Promise<void>((resolve) => {
    lost = resolve;
  });
  const runtime = await startController(kubeConfig, options, logger, {
    onLeadershipLost: () => {
      // As controller-runtime does: a replica that lost its lease exits and restarts as a standby.
      exitCode = 1;
      lost();
    },
  });
  await Promise.race([stopped, leadershipLost]);
  await runtime.stop();
  logger.flush();
  return exitCode;
}
