// `confighub-source drift NAME`: prints the drift report the controller stored in status.drift of a
// ConfigHubRepository. Exit codes follow `flux diff`: 0 no drift, 1 drift, 2 or more an error.
import { parseArgs } from 'node:util';
import type { DriftItem, DriftReport } from '../drift/report.ts';
import { previousReport } from '../drift/settings.ts';
import { isNotFound, KubeApiError } from '../kube/errors.ts';
import { resources } from '../kube/resources.ts';
import type { CommandIO } from './commands.ts';
import { UsageError } from './errors.ts';
import { connect, KUBE_FLAGS, KUBE_FLAGS_HELP, type KubeTarget } from './kube-context.ts';
import { renderTable } from './table.ts';

const HELP = `Usage: confighub-source drift NAME [-n NAMESPACE] [--output table|json] [--kubeconfig FILE] [--context NAME]

Prints the report-only drift report of a ConfigHubRepository (status.drift): each drifted field of the
objects Flux applied from its artifact, with desired and live values (Secret values masked), class,
severity, cause and when it was first seen.

Flags:
  -o, --output FORMAT    table (default) or json (the stored report as is)
  -h, --help             show this help
${KUBE_FLAGS_HELP}

Exit codes: 0 no drift, 1 drift found, 2 usage error, 3 the report cannot be read.
`;

const EXIT = { clean: 0, drift: 1, usage: 2, error: 3 } as const;
const VALUE_WIDTH = 40;

interface DriftArgs {
  name: string;
  output: 'table' | 'json';
  flags: { kubeconfig?: string | undefined; context?: string | undefined; namespace?: string | undefined };
}

function parse(argv: string[]): DriftArgs | 'help' {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      kubeconfig: KUBE_FLAGS.kubeconfig,
      context: KUBE_FLAGS.context,
      namespace: KUBE_FLAGS.namespace,
      output: { type: 'string', short: 'o' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.help === true) return 'help';
  if (positionals.length !== 1) throw new UsageError('exactly one ConfigHubRepository NAME is required');
  const output = values.output ?? 'table';
  if (output !== 'table' && output !== 'json')
    throw new UsageError(`--output must be table or json, not '${output}'`);
  const { kubeconfig, context, namespace } = values;
  return { name: positionals[0]!, output, flags: { kubeconfig, context, namespace } };
}

export async function run(argv: string[], io: CommandIO): Promise<number> {
  let args: DriftArgs | 'help';
  try {
    args = parse(argv);
  } catch (error) {
    io.stderr.write(`error: ${(error as Error).message}\n\n${HELP}`);
    return EXIT.usage;
  }
  if (args === 'help') {
    io.stdout.write(HELP);
    return EXIT.clean;
  }
  let connection: KubeTarget | undefined;
  let target = args.name;
  try {
    connection = connect(args.flags, io.env);
    const namespace = connection.namespace;
    target = `${namespace}/${args.name}`;
    const object = await connection.client.get<{ status?: unknown }>(
      resources.repository,
      namespace,
      args.name,
    );
    const report = previousReport(object.status);
    if (report === undefined) {
      io.stderr.write(
        `ConfigHubRepository ${namespace}/${args.name} has no drift report: enable it with spec.drift.mode: report ` +
          'or the controller flag --drift-detection=report, then wait for the next reconcile\n',
      );
      return EXIT.error;
    }
    io.stdout.write(
      args.output === 'json'
        ? `${JSON.stringify(report, null, 2)}\n`
        : renderReport(namespace, args.name, report),
    );
    return report.items.length > 0 ? EXIT.drift : EXIT.clean;
  } catch (error) {
    io.stderr.write(`error: ${describe(error, target)}\n`);
    return EXIT.error;
  } finally {
    await connection?.close();
  }
}

function describe(error: unknown, target: string): string {
  if (isNotFound(error)) return `ConfigHubRepository ${target} not found`;
  if (error instanceof KubeApiError) return `${error.code} ${error.reason}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

export function renderReport(namespace: string, name: string, report: DriftReport): string {
  const s = report.summary;
  const lines = [
    `ConfigHubRepository ${namespace}/${name}: ${s.items} drift item${s.items === 1 ? '' : 's'} in ${s.drifted} of ${s.objects} objects` +
      ` (checked ${report.checkedAt}${report.revision ? ` at revision ${report.revision}` : ''})`,
    `Source: ${sourceOf(report)}` + `; ${s.missing} missing, ${s.excluded} excluded, ${s.errors} not checked`,
  ];
  if (report.items.length > 0) {
    lines.push(
      '',
      renderTable(
        ['SEVERITY', 'CLASS', 'OBJECT', 'PATH', 'DESIRED', 'LIVE', 'CAUSE', 'SINCE', 'METHOD', 'CONSUMER'],
        report.items.map(row),
      ),
    );
  }
  if (report.truncated) lines.push(`… and ${report.truncated} more items not kept in status`);
  for (const e of report.errors ?? []) lines.push(`not checked: ${e.object}: ${e.message}`);
  for (const note of report.notes ?? []) lines.push(`note: ${note}`);
  const resolved = report.resolved ?? [];
  if (resolved.length > 0) {
    lines.push('', 'Recently resolved:');
    for (const item of resolved)
      lines.push(`  ${item.id} (${item.classification}) resolved at ${item.resolvedAt}`);
  }
  return `${lines.join('\n')}\n`;
}

function row(item: DriftItem): string[] {
  const object = item.namespace ? `${item.kind}/${item.namespace}/${item.name}` : `${item.kind}/${item.name}`;
  return [
    item.severity,
    item.classification,
    object,
    item.path === '' ? '(object)' : item.path,
    show(item.desired, item.path === '' ? 'present' : '(absent)'),
    show(item.live, item.path === '' ? 'missing' : '(absent)'),
    item.manager ? `${item.cause} (${item.manager})` : item.cause,
    item.firstObserved,
    item.method,
    item.consumer ?? '-',
  ];
}

function sourceOf(report: DriftReport): string {
  if (report.source === 'inventory') return `inventory of ${report.consumer ?? 'consumers'}`;
  if (report.source === 'pending') return 'pending (no consumer has applied this revision yet)';
  return 'every object of the artifact';
}

function show(value: unknown, absent: string): string {
  if (value === undefined) return absent;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > VALUE_WIDTH ? `${text.slice(0, VALUE_WIDTH - 1)}…` : text;
}
