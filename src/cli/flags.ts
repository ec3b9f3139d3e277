// Flag parsing for every command: node:util parseArgs in strict mode, with kubectl's conventions on top
// (util/flags.ts) and its errors as usage errors.
import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import { parseDuration } from '../api/duration.ts';
import { booleansWithValues, describeFlagError, invalidDuration } from '../util/flags.ts';
import { UsageError } from './errors.ts';

const HELP_FLAG = { help: { type: 'boolean', short: 'h', default: false } } as const;

export const HELP_FLAG_HELP = '  -h, --help             show this help';

/** Parses `argv` against `options` plus -h/--help; a bad flag throws a UsageError. */
export function parseFlags<const O extends ParseArgsOptionsConfig>(argv: string[], options: O) {
  const all = { ...options, ...HELP_FLAG };
  try {
    return parseArgs({
      args: booleansWithValues(argv, (name) => all[name]?.type === 'boolean'),
      options: all,
      allowPositionals: true,
      allowNegative: true,
      strict: true,
    });
  } catch (error) {
    const message = describeFlagError(error);
    throw message === undefined ? error : new UsageError(message);
  }
}

/** A duration flag (`--timeout 1m30s`, `90s`, `1.5h`, `500ms`), as Flux writes them: ms above zero. */
export function parseDurationFlag(flag: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) throw new UsageError(invalidDuration(flag, text));
  return ms;
}
