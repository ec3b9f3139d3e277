// How every command fails, in one style. Exit codes: 0 success, 1 the command could not do what was
// asked (or, for drift, found drift), 2 usage: bad flags or arguments.
// - usage errors: `<command>: <message>`, then the command's usage lines and where to read its flags;
// - failures: `✗ <message>` (the flux CLI's mark), API errors in kubectl's words:
//   `Error from server (NotFound): confighubrepositories.source.confighub.com "x" not found`.
// Messages are for people and never carry credentials.
import { KubeApiError } from '../kube/errors.ts';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export class CommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandError';
  }
}

/** The exit codes every command documents in its --help. */
export const EXIT_CODES_HELP = 'Exit codes: 0 success, 1 failure, 2 usage error (bad flags or arguments).';

/** Exit code and message for an error a command threw. */
export function describeFailure(error: unknown): { code: 1 | 2; message: string } {
  if (error instanceof UsageError) return { code: 2, message: error.message };
  if (error instanceof KubeApiError) return { code: 1, message: fromServer(error) };
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^(E[A-Z]+|UND_ERR_\w+)$/.test(code) && error instanceof Error) {
    return { code: 1, message: `cannot reach the Kubernetes API: ${error.message}` };
  }
  if (error instanceof Error) return { code: 1, message: error.message };
  return { code: 1, message: String(error) };
}

/** kubectl's line for an API Status: the reason in brackets unless the server gave none. */
function fromServer(error: KubeApiError): string {
  const reason = error.reason && error.reason !== 'Unknown' ? ` (${error.reason})` : '';
  return `Error from server${reason}: ${error.message}`;
}

/**
 * A usage error as every command prints it: `get: unknown flag: --x`, the usage lines of its help
 * (those from `Usage:` to the first blank line) and the command that shows all of it.
 */
export function usageMessage(command: string, help: string, message: string): string {
  const lines = help.split('\n');
  const start = lines.findIndex((l) => l.startsWith('Usage:'));
  const end = lines.findIndex((l, i) => i > start && l.trim() === '');
  const usage = start < 0 ? [] : lines.slice(start, end < 0 ? undefined : end);
  const helpCommand = command === 'confighub-source' ? command : `confighub-source ${command}`;
  return [`${command}: ${message}`, ...usage, `Run '${helpCommand} --help' for more.`, ''].join('\n');
}

/** Runs a command body, turning what it throws into the message and exit code above. */
export async function runCommand(
  io: { stderr: NodeJS.WritableStream },
  command: { name: string; help: string },
  body: () => Promise<number>,
): Promise<number> {
  try {
    return await body();
  } catch (error) {
    const { code, message } = describeFailure(error);
    io.stderr.write(code === 2 ? usageMessage(command.name, command.help, message) : `✗ ${message}\n`);
    return code;
  }
}
