// Text tables in the style of `kubectl get` / `flux get sources`: upper-case headers, columns padded
// to the widest cell, three spaces between columns.
import type { RepositoryObject } from '../api/v1beta1.ts';

export function renderTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('   ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

function readyOf(object: RepositoryObject): { status: string; message: string } {
  const ready = object.status?.conditions?.find((c) => c.type === 'Ready');
  return { status: ready?.status ?? 'Unknown', message: ready?.message ?? 'waiting to be reconciled' };
}

/** `confighub-source get`: NAME, REVISION, SUSPENDED, READY, MESSAGE as `flux get sources` prints. */
export function renderRepositories(objects: RepositoryObject[], options: { allNamespaces: boolean }): string {
  const sorted = [...objects].sort((a, b) =>
    `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`),
  );
  const headers = [
    ...(options.allNamespaces ? ['NAMESPACE'] : []),
    'NAME',
    'REVISION',
    'SUSPENDED',
    'READY',
    'MESSAGE',
  ];
  const rows = sorted.map((o) => {
    const ready = readyOf(o);
    const spec = (o.spec ?? {}) as { suspend?: boolean };
    return [
      ...(options.allNamespaces ? [o.metadata.namespace ?? ''] : []),
      o.metadata.name,
      o.status?.artifact?.revision ?? '',
      spec.suspend === true ? 'True' : 'False',
      ready.status,
      ready.message,
    ];
  });
  return renderTable(headers, rows);
}

/** What `kubectl get confighubrepositories -A` prints from the CRD's printer columns. */
export function renderKubectlView(objects: RepositoryObject[], now = Date.now()): string {
  const rows = objects.map((o) => {
    const spec = (o.spec ?? {}) as { url?: string; space?: string };
    const ready = readyOf(o);
    return [
      o.metadata.namespace ?? '',
      o.metadata.name,
      spec.url ?? '',
      spec.space ?? '',
      age(o.metadata.creationTimestamp, now),
      o.status?.conditions?.find((c) => c.type === 'Ready')?.status ?? '',
      o.status?.conditions ? ready.message : '',
    ];
  });
  return renderTable(['NAMESPACE', 'NAME', 'URL', 'SPACE', 'AGE', 'READY', 'STATUS'], rows);
}

/** kubectl's short age format: 45s, 3m12s, 5h, 2d. */
export function age(timestamp: string | undefined, now = Date.now()): string {
  if (timestamp === undefined) return '<unknown>';
  const seconds = Math.max(0, Math.floor((now - Date.parse(timestamp)) / 1000));
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h`;
  return `${Math.floor(hours / 24)}d`;
}
