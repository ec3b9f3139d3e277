// Label and field selectors with the grammar of k8s.io/apimachinery/pkg/labels and fields.

import { badRequest } from './errors.ts';
import type { KubeObject } from './types.ts';

type Requirement =
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | '!' }
  | { key: string; op: '=' | '!='; values: [string] };

export type Selector = (labels: Record<string, string>) => boolean;

/** Splits on top-level commas only, so `env in (a,b)` stays one requirement. */
const splitTopLevel = (text: string): string[] => {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
};

const parseRequirement = (text: string): Requirement => {
  const setMatch = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(text);
  if (setMatch) {
    const values = setMatch[3]!
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '');
    return { key: setMatch[1]!, op: setMatch[2] as 'in' | 'notin', values };
  }
  const eqMatch = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(text);
  if (eqMatch) {
    return { key: eqMatch[1]!, op: eqMatch[2] === '!=' ? '!=' : '=', values: [eqMatch[3]!] };
  }
  const notExists = /^!\s*(\S+)$/.exec(text);
  if (notExists) return { key: notExists[1]!, op: '!' };
  if (/^[^\s=!(),]+$/.test(text)) return { key: text, op: 'exists' };
  throw badRequest(
    `unable to parse requirement: found '${text}', expected: identifier, '=', '!=', 'in' or 'notin'`,
  );
};

const matches = (r: Requirement, labels: Record<string, string>): boolean => {
  const has = Object.hasOwn(labels, r.key);
  const value = labels[r.key];
  switch (r.op) {
    case 'exists':
      return has;
    case '!':
      return !has;
    case '=':
      return has && value === r.values[0];
    case '!=':
      return !has || value !== r.values[0];
    case 'in':
      return has && r.values.includes(value!);
    case 'notin':
      return !has || !r.values.includes(value!);
  }
};

export const parseLabelSelector = (text: string | undefined): Selector => {
  if (!text) return () => true;
  const requirements = splitTopLevel(text).map(parseRequirement);
  return (labels) => requirements.every((r) => matches(r, labels));
};

export type FieldSelector = (obj: KubeObject) => boolean;

const fieldValue = (obj: KubeObject, field: string): string | undefined => {
  if (field === 'metadata.name') return obj.metadata.name;
  if (field === 'metadata.namespace') return obj.metadata.namespace ?? '';
  // Further fields a few kinds index (e.g. Event involvedObject.*, Secret type): walk the object.
  let cur: unknown = obj;
  for (const part of field.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur === undefined || cur === null ? undefined : String(cur);
};

/** Fields every resource supports; other fields are refused as the real server does for CRs. */
const SUPPORTED_FIELDS = new Set(['metadata.name', 'metadata.namespace']);

export const parseFieldSelector = (
  text: string | undefined,
  extraFields: readonly string[] = [],
): FieldSelector => {
  if (!text) return () => true;
  const terms = text
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '')
    .map((term) => {
      const m = /^([^=!]+?)\s*(==|=|!=)\s*(.*)$/.exec(term);
      if (!m) throw badRequest(`invalid selector: '${text}'; can't understand '${term}'`);
      const field = m[1]!;
      if (!SUPPORTED_FIELDS.has(field) && !extraFields.includes(field)) {
        throw badRequest(`field label not supported: ${field}`);
      }
      return { field, negate: m[2] === '!=', value: m[3]! };
    });
  return (obj) =>
    terms.every((t) => {
      const actual = fieldValue(obj, t.field) ?? '';
      return t.negate ? actual !== t.value : actual === t.value;
    });
};

const OBJECT_REFERENCE_FIELDS = [
  'kind',
  'namespace',
  'name',
  'uid',
  'apiVersion',
  'resourceVersion',
  'fieldPath',
];

/**
 * Fields the real server accepts in field selectors beyond metadata.name/namespace, per resource and
 * API version (its field label conversion functions): core/v1 Events use `involvedObject.*`,
 * events.k8s.io/v1 the same storage through `regarding.*`; anything else is 400, as there.
 */
const EXTRA_FIELDS: Record<string, readonly string[]> = {
  'v1/events': [
    ...OBJECT_REFERENCE_FIELDS.map((f) => `involvedObject.${f}`),
    'reason',
    'reportingComponent',
    'source',
    'type',
  ],
  'events.k8s.io/v1/events': [
    ...OBJECT_REFERENCE_FIELDS.map((f) => `regarding.${f}`),
    'reason',
    'reportingController',
    'type',
  ],
  'v1/secrets': ['type'],
  'v1/namespaces': ['status.phase'],
};

export const extraFields = (def: { group: string; version: string; plural: string }): readonly string[] =>
  EXTRA_FIELDS[`${def.group ? `${def.group}/` : ''}${def.version}/${def.plural}`] ?? [];
