// `confighub-source events [NAME]`: the Kubernetes Events of ConfigHubRepositories and of the
// ExternalArtifacts they publish (Flux alerts select the latter), oldest first, as `kubectl events`.
import { API_VERSION, EA_API_VERSION, EA_KIND, KIND } from '../api/constants.ts';
import type { KubeClient, KubeObject } from '../kube/client.ts';
import { resources } from '../kube/resources.ts';
import { ageOf } from '../util/human-duration.ts';
import { clusterCommand, optionalName } from './cluster-command.ts';
import { CommandError, EXIT_CODES_HELP, UsageError } from './errors.ts';
import { HELP_FLAG_HELP } from './flags.ts';
import { ALL_NAMESPACES_FLAG, KUBE_FLAGS_HELP } from './kube-context.ts';
import { listOf, objectPrinter, parseOutputFormat } from './output.ts';
import { getRepository, listRepositories } from './repositories.ts';
import { type Shape, shapeProblem } from './shape.ts';
import { renderNamespacedTable } from './table.ts';

const HELP = `Usage: confighub-source events [NAME] [flags]

Lists the events of a ConfigHubRepository and of its ExternalArtifact (all of them without NAME),
oldest first.

Flags:
${KUBE_FLAGS_HELP}
  -A, --all-namespaces   events in every namespace (without NAME)
  -o, --output FORMAT    table (default), json or yaml
  --types TYPES          only these event types, comma-separated (Normal, Warning)
${HELP_FLAG_HELP}

${EXIT_CODES_HELP} No events is a success (a note on stderr).
`;

/** The fields of a core/v1 Event shown here. */
interface KubeEvent {
  metadata: { name: string; namespace?: string };
  involvedObject: { apiVersion?: string; kind?: string; name?: string; namespace?: string };
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  firstTimestamp?: string | null;
  lastTimestamp?: string | null;
  eventTime?: string | null;
  series?: { count?: number; lastObservedTime?: string } | null;
}

const EVENT_SHAPE: Shape = [
  ['metadata!', 'object'],
  ['metadata.name!', 'string'],
  ['metadata.namespace', 'string'],
  ['involvedObject!', 'object'],
  ['involvedObject.apiVersion', 'string'],
  ['involvedObject.kind', 'string'],
  ['involvedObject.name', 'string'],
  ['involvedObject.namespace', 'string'],
  ['type', 'string'],
  ['reason', 'string'],
  ['message', 'string'],
  ['count', 'number'],
  ['series.count', 'number'],
  ['series.lastObservedTime', 'string'],
];

export const run = clusterCommand({
  name: 'events',
  help: HELP,
  flags: {
    ...ALL_NAMESPACES_FLAG,
    output: { type: 'string', short: 'o' },
    types: { type: 'string' },
  },
  plan({ values, positionals }) {
    const name = optionalName(positionals, values['all-namespaces']);
    return { name, format: parseOutputFormat(values.output), types: parseTypes(values.types) };
  },
  async execute({ name, format, types }, { io, cluster, now }) {
    const namespace = cluster.allNamespaces ? undefined : cluster.namespace;
    const events = (await eventsOf(cluster.client, namespace, name)).filter(
      (e) => types === undefined || types.has((e.event.type ?? '').toLowerCase()),
    );
    if (format !== 'table') {
      const print = await objectPrinter(format);
      io.stdout.write(print(listOf(events.map((e) => e.raw))));
      return 0;
    }
    if (events.length === 0) {
      io.stderr.write(
        `No events found${name ? ` for ${KIND} ${name}` : ''}${namespace ? ` in ${namespace} namespace` : ''}.\n`,
      );
      return 0;
    }
    const at = now();
    const rows = events.map(({ event }) => ({
      namespace: event.metadata.namespace ?? '',
      cells: [
        lastSeen(event, at),
        event.type ?? '',
        event.reason ?? '',
        `${event.involvedObject.kind ?? ''}/${event.involvedObject.name ?? ''}`,
        (event.message ?? '').replace(/\s*\n\s*/g, ' '),
      ],
    }));
    const headers = ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'];
    io.stdout.write(`${renderNamespacedTable(cluster.allNamespaces, headers, rows)}\n`);
    return 0;
  },
});

/**
 * Events whose involved object is one of our repositories or the ExternalArtifact of the same name and
 * namespace it publishes. A named repository must exist (as `flux events --for` requires).
 */
async function eventsOf(
  client: KubeClient,
  namespace: string | undefined,
  name: string | undefined,
): Promise<{ raw: KubeObject; event: KubeEvent }[]> {
  const owners = new Set<string>();
  if (name !== undefined) {
    await getRepository(client, namespace ?? 'default', name);
    owners.add(`${namespace}/${name}`);
  } else {
    for (const r of (await listRepositories(client, namespace)).repositories) {
      owners.add(`${r.metadata.namespace ?? ''}/${r.metadata.name}`);
    }
  }
  const list = await client.listAll<KubeObject>(resources.event, {
    ...(namespace !== undefined ? { namespace } : {}),
    ...(name !== undefined ? { fieldSelector: `involvedObject.name=${name}` } : {}),
  });
  const selected: { raw: KubeObject; event: KubeEvent; at: number }[] = [];
  for (const raw of list.items) {
    const problem = shapeProblem(raw, EVENT_SHAPE);
    if (problem !== undefined) {
      throw new CommandError(`the API returned a malformed Event "${raw.metadata?.name}": ${problem}`);
    }
    const event = raw as unknown as KubeEvent;
    const involved = event.involvedObject;
    const key = `${involved.namespace ?? event.metadata.namespace ?? ''}/${involved.name ?? ''}`;
    const ours =
      (involved.kind === KIND && sameGroup(involved.apiVersion, API_VERSION)) ||
      (involved.kind === EA_KIND && sameGroup(involved.apiVersion, EA_API_VERSION));
    if (ours && owners.has(key)) selected.push({ raw, event, at: sortTime(event) });
  }
  return selected.sort((a, b) => a.at - b.at).map(({ raw, event }) => ({ raw, event }));
}

/** Events may name any served version of the kind; compare the API group only. */
function sameGroup(apiVersion: string | undefined, expected: string): boolean {
  if (apiVersion === undefined) return true;
  return apiVersion.split('/')[0] === expected.split('/')[0];
}

/** When the event last happened, as kubectl events sorts. */
function sortTime(event: KubeEvent): number {
  const text =
    event.series?.lastObservedTime ?? event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp;
  const time = text ? Date.parse(text) : Number.NaN;
  return Number.isNaN(time) ? 0 : time;
}

/** kubectl events' LAST SEEN: "45s", or "3m (x4 over 10m)" for a repeated event. */
function lastSeen(event: KubeEvent, now: number): string {
  const first = ageOf(event.eventTime || event.firstTimestamp, now);
  if (event.series) {
    return `${ageOf(event.series.lastObservedTime, now)} (x${event.series.count ?? 0} over ${first})`;
  }
  if ((event.count ?? 0) > 1) return `${ageOf(event.lastTimestamp, now)} (x${event.count} over ${first})`;
  return first;
}

function parseTypes(text: string | undefined): Set<string> | undefined {
  if (text === undefined) return undefined;
  const types = text.split(',').map((t) => t.trim().toLowerCase());
  for (const type of types) {
    if (type !== 'normal' && type !== 'warning') {
      throw new UsageError(`--types: "${type}" is not an event type (Normal, Warning)`);
    }
  }
  return new Set(types);
}
