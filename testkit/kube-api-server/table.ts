// Server-side printing: `meta.k8s.io/v1 Table` from a CRD's additionalPrinterColumns.

import { ageOf } from './duration.ts';
import { evaluate } from './jsonpath.ts';
import type { KubeObject, PrinterColumn, ResourceDef } from './types.ts';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** The Table flavour an `Accept` header asks for, honouring the order of its alternatives. */
export const tableVersionFromAccept = (accept: string | undefined): 'v1' | 'v1beta1' | undefined => {
  if (!accept) return undefined;
  for (const alternative of accept.split(',')) {
    const [type, ...rawParams] = alternative.split(';').map((p) => p.trim());
    if (type !== 'application/json' && type !== '*/*' && type !== 'application/*') continue;
    const params = Object.fromEntries(rawParams.map((p) => p.split('=').map((s) => s.trim())));
    if (params['as'] === undefined) return undefined;
    if (
      params['as'] === 'Table' &&
      params['g'] === 'meta.k8s.io' &&
      (params['v'] === 'v1' || params['v'] === 'v1beta1')
    ) {
      return params['v'];
    }
  }
  return undefined;
};

const NAME_COLUMN = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description:
    'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
  priority: 0,
};

const DEFAULT_COLUMNS: PrinterColumn[] = [
  {
    name: 'Age',
    type: 'date',
    jsonPath: '.metadata.creationTimestamp',
    description:
      'CreationTimestamp is a timestamp representing the server time when this object was created.',
  },
];

const cell = (column: PrinterColumn, obj: KubeObject): unknown => {
  let values: unknown[];
  try {
    values = evaluate(column.jsonPath, obj);
  } catch {
    return null;
  }
  if (values.length === 0) return null;
  // Like the CRD table convertor: only the first result counts.
  const first = values[0];
  switch (column.type) {
    case 'integer':
      return typeof first === 'number' ? Math.trunc(first) : null;
    case 'number':
      return typeof first === 'number' ? first : null;
    case 'boolean':
      return typeof first === 'boolean' ? first : null;
    case 'date':
      // The server renders ages itself; kubectl prints the cell as it comes.
      return typeof first === 'string' ? ageOf(first) : null;
    default:
      return typeof first === 'object' ? JSON.stringify(first) : String(first);
  }
};

const rowObject = (obj: KubeObject, include: IncludeObject): unknown => {
  if (include === 'None') return undefined;
  if (include === 'Object') return obj;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
};

export const toTable = (
  def: ResourceDef,
  objects: KubeObject[],
  version: 'v1' | 'v1beta1',
  include: IncludeObject,
  listMeta: Record<string, unknown>,
): unknown => {
  const columns = def.printerColumns.length ? def.printerColumns : DEFAULT_COLUMNS;
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${version}`,
    metadata: listMeta,
    columnDefinitions: [
      NAME_COLUMN,
      ...columns.map((c) => ({
        name: c.name,
        type: c.type,
        format: c.format ?? '',
        description: c.description ?? '',
        priority: c.priority ?? 0,
      })),
    ],
    rows: objects.map((obj) => {
      const object = rowObject(obj, include);
      return {
        cells: [obj.metadata.name, ...columns.map((c) => cell(c, obj))],
        ...(object !== undefined ? { object } : {}),
      };
    }),
  };
};
