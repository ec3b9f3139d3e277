// Who wrote a live field, from `metadata.managedFields`: a person with kubectl (or a UI) is a manual
// edit; any other manager but the applier is another controller (an autoscaler, an operator).
import { z } from 'zod';
import { isRecord } from '../util/is-record.ts';
import { Cause } from './report.ts';

const managedFieldsSchema = z.array(
  z.looseObject({
    manager: z.string().optional(),
    operation: z.string().optional(),
    time: z.string().optional(),
    subresource: z.string().optional(),
    fieldsV1: z.record(z.string(), z.unknown()).optional(),
  }),
);

/** Managers that apply manifests on behalf of GitOps: their values are the desired ones. */
export const APPLIER_MANAGERS = [
  'kustomize-controller',
  'helm-controller',
  'confighub',
  'flux-client-side-apply',
];

/** Interactive clients: kubectl's managers (kubectl-edit, kubectl-patch, kubectl-client-side-apply, …), UIs. */
const MANUAL = /^(kubectl(-.*)?|k9s|Mozilla|dashboard|lens|headlamp|OpenLens|kubernetes-dashboard)$/i;

export interface Attribution {
  cause: Cause;
  manager?: string;
}

export function attribute(live: Record<string, unknown>, segments: readonly string[]): Attribution {
  const metadata = live['metadata'];
  const parsed = managedFieldsSchema.safeParse(isRecord(metadata) ? metadata['managedFields'] : undefined);
  if (!parsed.success || segments.length === 0) return { cause: Cause.Unknown };
  const owners = parsed.data
    .filter((entry) => entry.subresource === undefined || entry.subresource === '')
    .filter((entry) => entry.fieldsV1 !== undefined && owns(entry.fieldsV1, live, segments))
    .sort((a, b) => Date.parse(b.time ?? '') - Date.parse(a.time ?? ''));
  const other = owners.find((entry) => !APPLIER_MANAGERS.includes(entry.manager ?? ''));
  if (other?.manager === undefined) return { cause: Cause.Unknown };
  return {
    cause: MANUAL.test(other.manager) ? Cause.ManualEdit : Cause.Controller,
    manager: other.manager,
  };
}

/** Whether a fieldsV1 set covers the path (fully, or through an atomic parent recorded as a leaf). */
function owns(fields: Record<string, unknown>, live: unknown, segments: readonly string[]): boolean {
  let node: unknown = fields;
  let value: unknown = live;
  for (const segment of segments) {
    if (!isRecord(node)) return false;
    if (Object.keys(node).filter((k) => k !== '.').length === 0 && node !== fields) return true;
    if (Array.isArray(value)) {
      const item = value[Number(segment)];
      const key = Object.keys(node).find((k) => itemMatches(k, item, Number(segment)));
      if (key === undefined) return false;
      node = node[key];
      value = item;
    } else {
      const key = `f:${segment}`;
      if (!(key in node)) return false;
      node = node[key];
      value = isRecord(value) ? value[segment] : undefined;
    }
  }
  return true;
}

function itemMatches(key: string, item: unknown, index: number): boolean {
  if (key === `i:${index}`) return true;
  if (key.startsWith('v:')) return key.slice(2) === JSON.stringify(item);
  if (!key.startsWith('k:') || !isRecord(item)) return false;
  try {
    const fields = JSON.parse(key.slice(2)) as Record<string, unknown>;
    return Object.entries(fields).every(([k, v]) => JSON.stringify(item[k]) === JSON.stringify(v));
  } catch {
    return false;
  }
}
