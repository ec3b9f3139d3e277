// `confighub-source events [NAME]`: the Kubernetes Events of ConfigHubRepositories and of the
// ExternalArtifacts they publish (Flux alerts select the latter), oldest first, as `kubectl events`.
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { API_VERSION, EA_API_VERSION, EA_KIND, KIND } from '../api/constants.ts';
import type { KubeClient, KubeObject } from '../kube/client.ts';
import { resources } from '../kube/resources.ts';
import type { CommandIO } from './commands.ts';
import { CommandError, runCommand, UsageError } from './errors.ts';
import { connect, KUBE_FLAGS, KUBE_FLAGS_HELP } from './kube-context.ts';
import { formatList, parseOutputFormat } from './output.ts';
import { getRepository, listRepositories } from './repositories.ts';
import { age, renderTable } from './table.ts';

const HELP = `Usage: confighub-source events [NAME] [flags]

Lists the events of a ConfigHubRepository and of its ExternalArtifact (all of them without NAME),
oldest first.

Flags:
${KUBE_FLAGS_HELP}
  -A, --all-namespaces   events in every namespace (without NAME)
  -o, --output FORMAT    table (default), json or yaml
  --types TYPES          only these event types, comma-separated (Normal, Warning)
`;

const eventSchema = z.looseObject({
  metadata: z.looseObject({ name: z.string(), namespace: z.string().optional() }),
  involvedObject: z.looseObject({
    apiVersion: z.string().optional(),
    kind: z.string().optional(),
    name: z.string().optional(),
    namespace: z.string().optional(),
  }),
  type: z.string().optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
  count: z.number().int().optional(),
  firstTimestamp: z.string().nullish(),
  lastTimestamp: z.string().nullish(),
  eventTime: z.string().nullish(),
  series: z
    .looseObject({ count: z.number().int().optional(), lastObservedTime: z.string().optional() })
    .nullish(),
});
type KubeEvent = z.infer<typeof eventSchema>;

export async function run(argv: string[], io: CommandIO): Promise<number> {
  return runCommand(io, HELP, async () => {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        ...KUBE_FLAGS,
        output: { type: 'string', short: 'o' },
        types: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (values.help) {
      io.stdout.write(HELP);
      return 0;
    }
    if (positionals.length > 1) throw new UsageError(`expected at most one NAME, got ${positionals.length}`);
    const name = positionals[0];
    if (name !== undefined && values['all-namespaces']) {
      throw new UsageError('NAME cannot be combined with --all-namespaces');
    }
    const format = parseOutputFormat(values.output);
    const types = parseTypes(values.types);
    const target = connect(values, io.env);
    try {
      const namespace = target.allNamespaces ? undefined : target.namespace;
      const events = (await eventsOf(target.client, namespace, name)).filter(
        (e) => types === undefined || types.has((e.event.type ?? '').toLowerCase()),
      );
      if (format !== 'table') {
        io.stdout.write(
          formatList(
            events.map((e) => e.raw),
            format,
          ),
        );
        return 0;
      }
      if (events.length === 0) {
        io.stderr.write(
          `No events found${name ? ` for ${KIND} ${name}` : ''}${namespace ? ` in ${namespace} namespace` : ''}.\n`,
        );
        return 0;
      }
      const now = Date.now();
      const rows = events.map(({ event }) => [
        ...(target.allNamespaces ? [event.metadata.namespace ?? ''] : []),
        lastSeen(event, now),
        event.type ?? '',
        event.reason ?? '',
        `${event.involvedObject.kind ?? ''}/${event.involvedObject.name ?? ''}`,
        (event.message ?? '').replace(/\s*\n\s*/g, ' '),
      ]);
      const headers = [
        ...(target.allNamespaces ? ['NAMESPACE'] : []),
        'LAST SEEN',
        'TYPE',
        'REASON',
        'OBJECT',
        'MESSAGE',
      ];
      io.stdout.write(`${renderTable(headers, rows)}\n`);
      return 0;
    } finally {
      await target.close();
    }
  });
}

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
    const parsed = eventSchema.safeParse(raw);
    if (!parsed.success) throw new CommandError(`the API returned a malformed Event "${raw.metadata?.name}"`);
    const event = parsed.data;
    const involved = event.involvedObject;
    const key = `${involved.namespace ?? event.metadata.namespace ?? ''}/${involved.name ?? ''}`;
    const ours =
      (involved.kind === KIND && sameGroup(involved.apiVersion, API_VERSION)) ||
      (involved.kind === EA_KIND && sameGroup(involved.apiVersion, EA_API_VERSION));
    if (ours && owners.has(key)) selected.push({ raw, event, at: lastTime(event) });
  }
  return selected.sort((a, b) => a.at - b.at).map(({ raw, event }) => ({ raw, event }));
}

/** Events may name any served version of the kind; compare the API group only. */
function sameGroup(apiVersion: string | undefined, expected: string): boolean {
  if (apiVersion === undefined) return true;
  return apiVersion.split('/')[0] === expected.split('/')[0];
}

function lastTime(event: KubeEvent): number {
  const text =
    event.series?.lastObservedTime ?? event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp;
  const time = text ? Date.parse(text) : Number.NaN;
  return Number.isNaN(time) ? 0 : time;
}

/** kubectl's LAST SEEN: "45s", or "3m (x4 over 10m)" for a repeated event. */
function lastSeen(event: KubeEvent, now: number): string {
  const last = lastTime(event);
  const seen = last === 0 ? '<unknown>' : age(new Date(last).toISOString(), now);
  const count = event.series?.count ?? event.count ?? 1;
  const first = event.firstTimestamp ?? event.eventTime;
  if (count <= 1 || !first) return seen;
  return `${seen} (x${count} over ${age(first, now)})`;
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
