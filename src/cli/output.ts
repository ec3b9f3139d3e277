// Output helpers: flux-style progress lines (on stderr, as flux writes them, so stdout stays for data)
// and -o json|yaml printing.
import { stringify } from 'yaml';
import type { CommandIO } from './commands.ts';
import { UsageError } from './errors.ts';

export const OUTPUT_FORMATS = ['table', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export function parseOutputFormat(value: string | undefined): OutputFormat {
  const format = value ?? 'table';
  if (!(OUTPUT_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--output must be one of ${OUTPUT_FORMATS.join(', ')} (got "${format}")`);
  }
  return format as OutputFormat;
}

/** One object as kubectl prints it with -o json / -o yaml. */
export function formatObject(object: unknown, format: 'json' | 'yaml'): string {
  return format === 'json' ? `${JSON.stringify(object, null, 2)}\n` : stringify(object);
}

/** Several objects as kubectl prints a list: one `v1 List`. */
export function formatList(items: unknown[], format: 'json' | 'yaml'): string {
  return formatObject({ apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items }, format);
}

/** The progress marks of the flux CLI. */
export function progress(io: CommandIO) {
  const line = (mark: string, text: string) => io.stderr.write(`${mark} ${text}\n`);
  return {
    action: (text: string) => line('►', text),
    waiting: (text: string) => line('◎', text),
    success: (text: string) => line('✔', text),
    failure: (text: string) => line('✗', text),
  };
}
