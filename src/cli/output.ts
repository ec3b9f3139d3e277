// Output helpers: flux-style progress lines (on stderr, as flux writes them, so stdout stays for data)
// and -o json|yaml printing.
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

/** Prints one object as kubectl does with -o json / -o yaml. */
export type ObjectPrinter = (object: unknown) => string;

/** The printer for a format; the YAML library is loaded only for -o yaml. */
export async function objectPrinter(format: 'json' | 'yaml'): Promise<ObjectPrinter> {
  if (format === 'json') return (object) => `${JSON.stringify(object, null, 2)}\n`;
  const { stringify } = await import('yaml');
  return (object) => stringify(object);
}

/** Several objects as kubectl prints a list: one `v1 List`. */
export function listOf(items: unknown[]): unknown {
  return { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items };
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
