// `confighub-source drift NAME`: prints the drift report the controller stored in status.drift of a
// ConfigHubRepository. Exit codes follow `flux diff`: 0 no drift, 1 drift (or no report to read), 2 usage.
import type { DriftItem, DriftReport } from '../drift/report.ts';
import { resources } from '../kube/resources.ts';
import { clusterCommand } from './cluster-command.ts';
import { CommandError, UsageError } from './errors.ts';
import { HELP_FLAG_HELP } from './flags.ts';
import { KUBE_FLAGS_HELP } from './kube-context.ts';
import { renderTable } from './table.ts';

const HELP = `Usage: confighub-source drift NAME [flags]

Prints the report-only drift report of a ConfigHubRepository (status.drift): each drifted field of the
objects Flux applied from its artifact, with desired and live values (Secret values masked), class,
severity, cause and when it was first seen.

Flags:
${KUBE_FLAGS_HELP}
  -o, --output FORMAT    table (default) or json (the stored report as is)
${HELP_FLAG_HELP}

Exit codes: 0 no drift, 1 drift found or no report to read (the message says which), 2 usage error
(bad flags or arguments).
`;

const VALUE_WIDTH = 40;

export const run = clusterCommand({
  name: 'drift',
  help: HELP,
  flags: { output: { type: 'string', short: 'o' } },
  plan({ values, positionals }) {
    if (positionals.length !== 1) throw new UsageError('expected exactly one NAME');
    const output = values.output ?? 'table';
    if (output !== 'table' && output !== 'json') {
      throw new UsageError(`--output must be one of table, json (got "${output}")`);
    }
    return { name: positionals[0]!, output };
  },
  async execute({ name, output }, { io, cluster }) {
    const { namespace, client } = cluster;
    const object = await client.get<{ status?: unknown }>(resources.repository, namespace, name);
    // The report's schema (and its library) loads only once there is a report to read.
    const { previousReport } = await import('../drift/settings.ts');
    const report = previousReport(object.status);
    if (report === undefined) {
      throw new CommandError(
        `ConfigHubRepository ${namespace}/${name} has no drift report: enable it with spec.drift.mode: report ` +
          'or the controller flag --drift-detection=report, then wait for the next reconcile',
      );
    }
    io.stdout.write(
      output === 'json' ? `${JSON.stringify(report, null, 2)}\n` : renderReport(namespace, name, report),
    );
    return report.items.length > 0 ? 1 : 0;
  },
});

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
