// `confighub-source get [NAME]`: the `flux get sources` view of ConfigHubRepositories (NAME, REVISION,
// SUSPENDED, READY, MESSAGE), or the objects with -o json|yaml; --watch keeps printing changes.
import { KIND } from '../api/constants.ts';
import type { KubeClient, KubeObject } from '../kube/client.ts';
import { isGone } from '../kube/errors.ts';
import { resources } from '../kube/resources.ts';
import { clusterCommand, optionalName } from './cluster-command.ts';
import type { CommandIO } from './commands.ts';
import { CommandError, EXIT_CODES_HELP, UsageError } from './errors.ts';
import { HELP_FLAG_HELP } from './flags.ts';
import { ALL_NAMESPACES_FLAG, KUBE_FLAGS_HELP } from './kube-context.ts';
import { listOf, type ObjectPrinter, type OutputFormat, objectPrinter, parseOutputFormat } from './output.ts';
import { getRepository, listRepositories, parseRepository, type Repository } from './repositories.ts';
import { compareText, keyOf, renderRepositories } from './table.ts';
import { interruptSignal, pause } from './wait.ts';

const HELP = `Usage: confighub-source get [NAME] [flags]

Lists ConfigHubRepositories as 'flux get sources' lists sources.

Flags:
${KUBE_FLAGS_HELP}
  -A, --all-namespaces   list in every namespace (adds a NAMESPACE column)
  -o, --output FORMAT    table (default), json or yaml
  -w, --watch            keep printing changes until interrupted
  --status-selector SEL  only objects whose conditions match, e.g. ready=false (comma-separated: all must match)
${HELP_FLAG_HELP}

${EXIT_CODES_HELP} Nothing found is a success (a note on stderr).
`;

export const run = clusterCommand({
  name: 'get',
  help: HELP,
  flags: {
    ...ALL_NAMESPACES_FLAG,
    output: { type: 'string', short: 'o' },
    watch: { type: 'boolean', short: 'w', default: false },
    'status-selector': { type: 'string' },
  },
  plan({ values, positionals }) {
    const name = optionalName(positionals, values['all-namespaces']);
    const selector = parseStatusSelector(values['status-selector']);
    return {
      name,
      format: parseOutputFormat(values.output),
      watch: values.watch,
      matches: (repository: Repository) => selector.every((s) => s(repository)),
    };
  },
  async execute(plan, { io, cluster, signal }) {
    const scope: Scope = {
      namespace: cluster.allNamespaces ? undefined : cluster.namespace,
      name: plan.name,
      matches: plan.matches,
    };
    const printer = plan.format === 'table' ? undefined : await objectPrinter(plan.format);
    const listed = await read(cluster.client, scope);
    const view: View = { io, format: plan.format, printer, allNamespaces: cluster.allNamespaces };
    if (!plan.watch) return print(view, listed.items, scope);
    printInitial(view, listed.items);
    await watch(cluster.client, view, scope, listed, signal ?? interruptSignal());
    return 0;
  },
});

/** How results are shown: the table, or each object through the -o printer. */
interface View {
  io: CommandIO;
  format: OutputFormat;
  printer: ObjectPrinter | undefined;
  allNamespaces: boolean;
}

interface Scope {
  namespace: string | undefined;
  name: string | undefined;
  matches(repository: Repository): boolean;
}

interface Item {
  raw: KubeObject;
  repository: Repository;
}

async function read(client: KubeClient, scope: Scope): Promise<{ items: Item[]; resourceVersion?: string }> {
  if (scope.name !== undefined) {
    const item = await getRepository(client, scope.namespace ?? 'default', scope.name);
    return {
      items: scope.matches(item.repository) ? [item] : [],
      ...(item.raw.metadata.resourceVersion ? { resourceVersion: item.raw.metadata.resourceVersion } : {}),
    };
  }
  const listed = await listRepositories(client, scope.namespace);
  const items = listed.raw
    .map((raw, i) => ({ raw, repository: listed.repositories[i]! }))
    .filter((item) => scope.matches(item.repository));
  return { items, ...(listed.resourceVersion ? { resourceVersion: listed.resourceVersion } : {}) };
}

function print(view: View, items: Item[], scope: Scope): number {
  const { io, printer } = view;
  if (printer !== undefined) {
    io.stdout.write(
      printer(scope.name !== undefined && items[0] ? items[0].raw : listOf(items.map((i) => i.raw))),
    );
    return 0;
  }
  if (items.length === 0) {
    // flux reports an empty result on stderr and succeeds.
    io.stderr.write(
      `✗ no ${KIND} objects found${scope.namespace === undefined ? '' : ` in ${scope.namespace} namespace`}\n`,
    );
    return 0;
  }
  io.stdout.write(`${renderRepositories(repositoriesOf(items), view)}\n`);
  return 0;
}

function printInitial(view: View, items: Item[]): void {
  if (view.printer === undefined)
    view.io.stdout.write(`${renderRepositories(repositoriesOf(items), view)}\n`);
  else for (const item of items) view.io.stdout.write(streamed(view, item.raw));
}

/** Watch output for -o json|yaml: one JSON document per change, or YAML documents separated by ---. */
function streamed(view: View, object: KubeObject): string {
  const text = view.printer!(object);
  return view.format === 'yaml' ? `---\n${text}` : text;
}

/**
 * Streams changes until the signal aborts. Table rows are rendered with every object seen so far, so
 * columns stay aligned with the first table; a row is printed only when what it shows changed.
 */
async function watch(
  client: KubeClient,
  view: View,
  scope: Scope,
  initial: { items: Item[]; resourceVersion?: string },
  signal: AbortSignal,
): Promise<void> {
  const current = new Map<string, Repository>();
  const printed = new Map<string, string>();
  const show = (item: Item) => {
    const key = keyOf(item.repository);
    current.set(key, item.repository);
    if (view.printer !== undefined) {
      view.io.stdout.write(streamed(view, item.raw));
      return;
    }
    const all = [...current.values()];
    const lines = renderRepositories(all, view).split('\n');
    const sorted = [...all].sort((a, b) => compareText(keyOf(a), keyOf(b)));
    const row = lines[1 + sorted.findIndex((r) => keyOf(r) === key)] ?? '';
    if (printed.get(key) === row.trimEnd()) return;
    printed.set(key, row.trimEnd());
    view.io.stdout.write(`${row}\n`);
  };
  for (const item of initial.items) current.set(keyOf(item.repository), item.repository);
  const lines = renderRepositories([...current.values()], view).split('\n');
  const keys = [...current.keys()].sort(compareText);
  for (const [i, key] of keys.entries()) printed.set(key, (lines[1 + i] ?? '').trimEnd());

  let resourceVersion = initial.resourceVersion;
  while (!signal.aborted) {
    const stream = new AbortController();
    const stop = () => stream.abort();
    const started = Date.now();
    signal.addEventListener('abort', stop, { once: true });
    let expired = false;
    try {
      await client.watch(
        resources.repository,
        {
          ...(scope.namespace !== undefined ? { namespace: scope.namespace } : {}),
          ...(resourceVersion ? { resourceVersion } : {}),
          signal: stream.signal,
          timeoutSeconds: 300,
        },
        (event) => {
          if (expired) return;
          if (event.type === 'ERROR') {
            expired = event.object.code === 410;
            if (!expired) throw new CommandError(`watch failed: ${event.object.message ?? 'unknown error'}`);
            stream.abort();
            return;
          }
          if (event.object.metadata?.resourceVersion) resourceVersion = event.object.metadata.resourceVersion;
          if (event.type === 'BOOKMARK') return;
          if (scope.name !== undefined && event.object.metadata.name !== scope.name) return;
          if (event.type === 'DELETED') {
            current.delete(keyOf(event.object));
            printed.delete(keyOf(event.object));
            return;
          }
          const repository = parseRepository(event.object);
          if (scope.matches(repository)) show({ raw: event.object, repository });
        },
      );
    } catch (error) {
      if (signal.aborted) return;
      if (!isGone(error)) throw error;
      expired = true;
    } finally {
      signal.removeEventListener('abort', stop);
    }
    if (expired && !signal.aborted) {
      // The watch expired: read again and show what changed meanwhile.
      const again = await read(client, scope);
      for (const item of again.items) show(item);
      resourceVersion = again.resourceVersion;
    }
    // A server that keeps ending watches at once must not turn this into a tight loop.
    if (Date.now() - started < 1000) await pause(250, signal);
  }
}

function repositoriesOf(items: Item[]): Repository[] {
  return items.map((i) => i.repository);
}

/** `ready=false,stalled=true`: every named condition must have that status (case-insensitive, as flux). */
export function parseStatusSelector(text: string | undefined): ((r: Repository) => boolean)[] {
  if (text === undefined || text === '') return [];
  return text.split(',').map((term) => {
    const match = /^\s*([A-Za-z][A-Za-z0-9]*)\s*=\s*(true|false|unknown)\s*$/i.exec(term);
    if (!match) {
      throw new UsageError(
        `--status-selector: "${term}" is not CONDITION=STATUS (e.g. ready=false; STATUS is true, false or unknown)`,
      );
    }
    const type = match[1]!.toLowerCase();
    const status = match[2]!.toLowerCase();
    return (r: Repository) =>
      (r.status?.conditions ?? []).some(
        (c) => c.type.toLowerCase() === type && c.status.toLowerCase() === status,
      );
  });
}
