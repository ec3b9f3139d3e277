// What the demo prints: one table per concern, each under a heading, and only when it changed.
import { findCondition } from '../../src/api/conditions.ts';
import type { RepositoryObject } from '../../src/api/v1beta1.ts';
import { renderTable } from '../../src/cli/table.ts';
import type { KubeObject } from '../kube-api-server/index.ts';

type Condition = { type: string; status: string; reason?: string; message?: string };
type DriftItem = {
  kind: string;
  namespace?: string;
  name: string;
  path: string;
  desired?: unknown;
  live?: unknown;
  cause: string;
  manager?: string;
  method: string;
  consumer?: string;
  classification: string;
};
type DriftReport = {
  source: string;
  revision?: string;
  summary: { objects: number };
  items: DriftItem[];
  resolved?: DriftItem[];
  notes?: string[];
};

/** `head@sha256:0123456789ab…`: enough of the digest to tell revisions apart. */
export function shortRevision(revision: string | undefined): string {
  if (!revision) return '';
  const match = /^(.*:)([0-9a-f]{12})[0-9a-f]+$/.exec(revision);
  return match ? `${match[1]}${match[2]}…` : revision;
}

/** A condition of any object read from the API (ours or Flux's), by type. */
export const conditionOf = (o: unknown, type: string): Condition | undefined =>
  findCondition((o as { status?: { conditions?: Condition[] } } | undefined)?.status?.conditions, type);

/** First line, with every full digest shortened as in the REVISION columns. */
const firstLine = (text: string | undefined): string =>
  ((text ?? '').split('\n')[0] ?? '').replace(/([0-9a-f]{12})[0-9a-f]{52}/g, '$1…');

export function repositoriesTable(repos: RepositoryObject[]): string {
  return renderTable(
    ['NAMESPACE', 'NAME', 'REVISION', 'READY', 'DELIVERED', 'DRIFTED', 'MESSAGE'],
    repos.map((r) => {
      const delivered = conditionOf(r, 'Delivered');
      const drifted = conditionOf(r, 'Drifted');
      return [
        r.metadata.namespace ?? '',
        r.metadata.name,
        shortRevision(r.status?.artifact?.revision),
        conditionOf(r, 'Ready')?.status ?? 'Unknown',
        delivered ? `${delivered.status} (${delivered.reason})` : '-',
        drifted ? `${drifted.status} (${drifted.reason})` : '-',
        firstLine(drifted?.status === 'True' ? drifted.message : delivered?.message),
      ];
    }),
  );
}

export function kustomizationsTable(objects: KubeObject[]): string {
  return renderTable(
    ['NAMESPACE', 'NAME', 'READY', 'APPLIED REVISION', 'MESSAGE'],
    objects.map((k) => {
      const ready = conditionOf(k, 'Ready');
      const status = k['status'] as { lastAppliedRevision?: string } | undefined;
      return [
        k.metadata.namespace ?? '',
        k.metadata.name ?? '',
        ready?.status ?? 'Unknown',
        shortRevision(status?.lastAppliedRevision),
        firstLine(ready?.message),
      ];
    }),
  );
}

export function driftTable(repos: RepositoryObject[]): string {
  const lines: string[] = [];
  for (const repo of repos) {
    const drift = (repo.status as { drift?: DriftReport } | undefined)?.drift;
    const ref = `${repo.metadata.namespace}/${repo.metadata.name}`;
    if (drift === undefined) {
      lines.push(`${ref}: no drift report yet`);
      continue;
    }
    if (drift.source === 'pending') {
      lines.push(`${ref}: pending — ${drift.notes?.[0] ?? 'not applied yet'}`);
      continue;
    }
    if (drift.items.length === 0) {
      const resolved = drift.resolved?.[0];
      lines.push(
        `${ref}: no open drift in ${drift.summary.objects} objects at ${shortRevision(drift.revision)}` +
          (resolved ? ` (last resolved: ${resolved.kind}/${resolved.name} ${resolved.path})` : ''),
      );
      continue;
    }
    lines.push(`${ref}: ${drift.items.length} open drift item(s) at ${shortRevision(drift.revision)}`);
    lines.push(
      renderTable(
        ['OBJECT', 'FIELD', 'DESIRED', 'LIVE', 'CAUSE', 'METHOD', 'CONSUMER'],
        drift.items.map((i) => [
          `${i.kind}/${i.namespace ? `${i.namespace}/` : ''}${i.name}`,
          i.path || '(object)',
          i.desired === undefined ? (i.path ? '-' : 'present') : JSON.stringify(i.desired),
          i.live === undefined ? (i.path ? '-' : 'missing') : JSON.stringify(i.live),
          i.manager ? `${i.cause} (${i.manager})` : i.cause,
          i.method,
          i.consumer ?? '-',
        ]),
      ),
    );
  }
  return lines.join('\n');
}

/** Prints a section only when its text differs from what was printed for it last. */
export class ChangePrinter {
  readonly #last = new Map<string, string>();
  readonly #write: (text: string) => void;
  /** Brings the tables up to date before a story step is printed, so steps follow what they describe. */
  refresh: () => void = () => undefined;

  constructor(write: (text: string) => void) {
    this.#write = write;
  }

  section(heading: string, text: string): void {
    if (this.#last.get(heading) === text) return;
    this.#last.set(heading, text);
    this.#write(`\n── ${heading}  (${new Date().toISOString().slice(11, 19)})\n${text}\n`);
  }

  step(text: string): void {
    this.refresh();
    this.#write(`\n▶ ${text}\n`);
  }
}
