// What the flag parsers of the CLI and of the controller share, whatever error each throws: kubectl's
// conventions on top of node:util parseArgs — `--flag=true|false` for booleans, and parseArgs' errors
// in kubectl's words instead of Node's.

/**
 * `--wait=false` and `--watch=true` as `--no-wait` and `--watch`, which parseArgs takes (with
 * allowNegative). Arguments after `--` are left alone.
 */
export function booleansWithValues(argv: readonly string[], isBoolean: (name: string) => boolean): string[] {
  const end = argv.indexOf('--');
  return argv.map((arg, i) => {
    const match = /^--([^=]+)=(true|false)$/.exec(arg);
    if (!match || (end >= 0 && i > end) || !isBoolean(match[1]!)) return arg;
    return match[2] === 'true' ? `--${match[1]}` : `--no-${match[1]}`;
  });
}

/** A parseArgs error in kubectl's words (`unknown flag: --x`), or undefined for any other error. */
export function describeFlagError(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS_')) return undefined;
  const message = (error as Error).message;
  // Node names the flag as '--x', or '-o, --output <value>' (the long name is the one to show).
  const named = /'([^']*)'/.exec(message)?.[1] ?? '';
  const flag = named.match(/--?[\w-]+/g)?.at(-1) ?? named;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown flag: ${flag}`;
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return `unexpected argument ${named}`;
  if (message.endsWith('argument missing')) return `flag needs an argument: ${flag}`;
  if (message.includes('does not take an argument')) return `flag ${flag} takes no value (or =true, =false)`;
  return message;
}

/** What a duration flag says of a value that is not a positive duration. */
export function invalidDuration(flag: string, text: string): string {
  return `invalid value "${text}" for --${flag}: want a duration such as 90s, 1m30s or 1h`;
}
