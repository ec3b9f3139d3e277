// `confighub-source get [NAME]`: the `flux get sources` view of ConfigHubRepositories (NAME, REVISION,
// SUSPENDED, READY, MESSAGE), or the objects with -o json|yaml; --watch keeps printing changes.
import { parseArgs } from 'node:util';
import { KIND } from '../api/constants.ts';
import type { RepositoryObject } from '../api/v1beta1.ts';
import type { KubeClient, KubeObject } from '../kube/client.ts';
import { isGone } from '../kube/errors.ts';
import { resources } from '../kube/resources.ts';
import type { CommandIO, RunContext } from './commands.ts';
import { CommandError, runCommand, UsageError } from './errors.ts';
import { connect, KUBE_FLAGS, KUBE_FLAGS_HELP } from './kube-context.ts';
import { formatList, formatObject, type OutputFormat, parseOutputFormat } from './output.ts';
import { getRepository, listRepositories, parseRepository } from './repositories.ts';
import { renderRepositories } from './table.ts';
import { interruptSignal, pause } from './wait.ts';

const HELP = `Usage: confighub-source get [NAME] [flags]

Lists ConfigHubRepositories as 'flux get sources' lists sources.

Flags:
${KUBE_FLAGS_HELP}
  -A, --all-namespaces   list in every namespace (adds a NAMESPACE column)
  -o, --output FORMAT    table (default), json or yaml
  -w, --watch            keep printing changes until interrupted
  --status-selector SEL  only objects whose conditions match, e.g. ready=false (comma-separated: all must match)
`;

export async function run(argv: string[], io: CommandIO, context: RunContext = {}): Promise<number> {
  return runCommand(io, HELP, async () => {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        ...KUBE_FLAGS,
        output: { type: 'string', short: 'o' },
        watch: { type: 'boolean', short: 'w', default: false },
        'status-selector': { type: 'string' },
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
      throw new UsageError('a resource cannot be retrieved by name across all namespaces');
    }
    const format = parseOutputFormat(values.output);
    const selector = parseStatusSelector(values['status-selector']);
    const target = connect(values, io.env);
    const scope: Scope = {
      namespace: target.allNamespaces ? undefined : target.namespace,
      name,
      matches: (repository) => selector.every((s) => s(repository)),
    };
    try {
      const listed = await read(target.client, scope);
      if (!values.watch) return print(io, listed.items, format, target.allNamespaces, scope);
      printInitial(io, listed.items, format, target.allNamespaces);
      await watch(target.client, io, scope, listed, {
        format,
        allNamespaces: target.allNamespaces,
        signal: context.signal ?? interruptSignal(),
      });
      return 0;
    } finally {
      await target.close();
    }
  });
}

interface Scope {
  namespace: string | undefined;
  name: string | undefined;
  matches(repository: RepositoryObject): boolean;
}

interface Item {
  raw: KubeObject;
  repository: RepositoryObject;
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

function print(
  io: CommandIO,
  items: Item[],
  format: OutputFormat,
  allNamespaces: boolean,
  scope: Scope,
): number {
  if (format !== 'table') {
    io.stdout.write(
      scope.name !== undefined && items[0]
        ? formatObject(items[0].raw, format)
        : formatList(
            items.map((i) => i.raw),
            format,
          ),
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
  io.stdout.write(`${renderRepositories(repositoriesOf(items), { allNamespaces })}\n`);
  return 0;
}

function printInitial(io: CommandIO, items: Item[], format: OutputFormat, allNamespaces: boolean): void {
  if (format === 'table')
    io.stdout.write(`${renderRepositories(repositoriesOf(items), { allNamespaces })}\n`);
  else for (const item of items) io.stdout.write(streamed(item.raw, format));
}

/** Watch output for -o json|yaml: one JSON document per change, or YAML documents separated by ---. */
function streamed(object: KubeObject, format: 'json' | 'yaml'): string {
  return format === 'json' ? formatObject(object, 'json') : `---\n${formatObject(object, 'yaml')}`;
}

/**
 * Streams changes until the signal aborts. Table rows are rendered with every object seen so far, so
 * columns stay aligned with the first table; a row is printed only when what it shows changed.
 */
async function watch(
  client: KubeClient,
  io: CommandIO,
  scope: Scope,
  initial: { items: Item[]; resourceVersion?: string },
  options: { format: OutputFormat; allNamespaces: boolean; signal: AbortSignal },
): Promise<void> {
  const current = new Map<string, RepositoryObject>();
  const printed = new Map<string, string>();
  const keyOf = (r: { metadata: { namespace?: string | undefined; name: string } }) =>
    `${r.metadata.namespace ?? ''}/${r.metadata.name}`;
  const show = (item: Item) => {
    const key = keyOf(item.repository);
    current.set(key, item.repository);
    if (options.format !== 'table') {
      io.stdout.write(streamed(item.raw, options.format));
      return;
    }
    const all = [...current.values()];
    const lines = renderRepositories(all, { allNamespaces: options.allNamespaces }).split('\n');
    const sorted = [...all].sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
    const row = lines[1 + sorted.findIndex((r) => keyOf(r) === key)] ?? '';
    if (printed.get(key) === row.trimEnd()) return;
    printed.set(key, row.trimEnd());
    io.stdout.write(`${row}\n`);
  };
  for (const item of initial.items) current.set(keyOf(item.repository), item.repository);
  const lines = renderRepositories([...current.values()], { allNamespaces: options.allNamespaces }).split(
    '\n',
  );
  const keys = [...current.keys()].sort((a, b) => a.localeCompare(b));
  for (const [i, key] of keys.entries()) printed.set(key, (lines[1 + i] ?? '').trimEnd());

  let resourceVersion = initial.resourceVersion;
  while (!options.signal.aborted) {
    const stream = new AbortController();
    const stop = () => stream.abort();
    const started = Date.now();
    options.signal.addEventListener('abort', stop, { once: true });
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
      if (options.signal.aborted) return;
      if (!isGone(error)) throw error;
      expired = true;
    } finally {
      options.signal.removeEventListener('abort', stop);
    }
    if (expired && !options.signal.aborted) {
      // The watch expired: read again and show what changed meanwhile.
      const again = await read(client, scope);
      for (const item of again.items) show(item);
      resourceVersion = again.resourceVersion;
    }
    // A server that keeps ending watches at once must not turn this into a tight loop.
    if (Date.now() - started < 1000) await pause(250, options.signal);
  }
}

function repositoriesOf(items: Item[]): RepositoryObject[] {
  return items.map((i) => i.repository);
}

/** `ready=false,stalled=true`: every named condition must have that status (case-insensitive, as flux). */
export function parseStatusSelector(text: string | undefined): ((r: RepositoryObject) => boolean)[] {
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
    return (r: RepositoryObject) =>
      (r.status?.conditions ?? []).some(
        (c) => c.type.toLowerCase() === type && c.status.toLowerCase() === status,
      );
  });
}
