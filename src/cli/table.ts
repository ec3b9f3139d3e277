// Text tables in the style of `kubectl get` / `flux get sources`: upper-case headers, columns padded
// to the widest cell, three spaces between columns, NAMESPACE first when listing every namespace.
import { ageOf } from '../util/human-duration.ts';
import { conditionOf, isSuspended, type Repository, specOf } from './repositories.ts';

export function renderTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('   ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/**
 * Code-point order, as kubectl sorts names (Go compares strings byte-wise). Not localeCompare: its
 * first call loads ICU's collation data, a noticeable part of a short command's run.
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `namespace/name`, the order rows are listed in. */
export function keyOf(object: { metadata: { namespace?: string | undefined; name: string } }): string {
  return `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
}

/** A table whose rows belong to namespaces: with -A, a leading NAMESPACE column, as kubectl prints. */
export function renderNamespacedTable(
  allNamespaces: boolean,
  headers: string[],
  rows: { namespace: string; cells: string[] }[],
): string {
  if (!allNamespaces)
    return renderTable(
      headers,
      rows.map((r) => r.cells),
    );
  return renderTable(
    ['NAMESPACE', ...headers],
    rows.map((r) => [r.namespace, ...r.cells]),
  );
}

function readyOf(object: Repository): { status: string; message: string } {
  const ready = conditionOf(object, 'Ready');
  return { status: ready?.status ?? 'Unknown', message: ready?.message ?? 'waiting to be reconciled' };
}

/** `confighub-source get`: NAME, REVISION, SUSPENDED, READY, MESSAGE as `flux get sources` prints. */
export function renderRepositories(objects: Repository[], options: { allNamespaces: boolean }): string {
  const sorted = [...objects].sort((a, b) => compareText(keyOf(a), keyOf(b)));
  const rows = sorted.map((o) => {
    const ready = readyOf(o);
    return {
      namespace: o.metadata.namespace ?? '',
      cells: [
        o.metadata.name,
        o.status?.artifact?.revision ?? '',
        isSuspended(o) ? 'True' : 'False',
        ready.status,
        ready.message,
      ],
    };
  });
  return renderNamespacedTable(
    options.allNamespaces,
    ['NAME', 'REVISION', 'SUSPENDED', 'READY', 'MESSAGE'],
    rows,
  );
}

/** What `kubectl get confighubrepositories -A` prints from the CRD's printer columns. */
export function renderKubectlView(objects: Repository[], now = Date.now()): string {
  const rows = objects.map((o) => {
    const ready = readyOf(o);
    return [
      o.metadata.namespace ?? '',
      o.metadata.name,
      specOf(o).url ?? '',
      specOf(o).space ?? '',
      ageOf(o.metadata.creationTimestamp, now),
      conditionOf(o, 'Ready')?.status ?? '',
      o.status?.conditions ? ready.message : '',
    ];
  });
  return renderTable(['NAMESPACE', 'NAME', 'URL', 'SPACE', 'AGE', 'READY', 'STATUS'], rows);
}
