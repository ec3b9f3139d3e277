// Command failures by exit code: a UsageError (bad flags or arguments) exits 2, a CommandError (the
// request could not be carried out) exits 1. Messages are for people and never carry credentials.
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

/** Exit code and message for an error a command threw. */
export function describeFailure(error: unknown): { code: 1 | 2; message: string } {
  if (error instanceof UsageError) return { code: 2, message: error.message };
  // node:util parseArgs rejects unknown flags and missing values with these codes.
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')) {
    return { code: 2, message: (error as Error).message };
  }
  if (error instanceof KubeApiError) return { code: 1, message: `${error.message} (${error.reason})` };
  if (typeof code === 'string' && /^(E[A-Z]+|UND_ERR_\w+)$/.test(code) && error instanceof Error) {
    return { code: 1, message: `cannot reach the Kubernetes API: ${error.message}` };
  }
  if (error instanceof Error) return { code: 1, message: error.message };
  return { code: 1, message: String(error) };
}

/** Runs a command body, turning thrown errors into flux-style messages and exit codes. */
export async function runCommand(
  io: { stderr: NodeJS.WritableStream },
  help: string,
  body: () => Promise<number>,
): Promise<number> {
  try {
    return await body();
  } catch (error) {
    const { code, message } = describeFailure(error);
    io.stderr.write(code === 2 ? `error: ${message}\n\n${help}` : `✗ ${message}\n`);
    return code;
  }
}
