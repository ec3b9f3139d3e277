// The list parameters every read endpoint shares: where, select, include, include_hidden, limit, order_by, continue.
import type { Attrs, AttrValue, EntityDescriptor, EntityKind } from '../model/descriptors.ts';
import { type CompiledWhere, compileWhere } from './where-eval.ts';
import { WhereError } from './where-parser.ts';

export const MAX_LIMIT = 1000;

/** A bad query parameter: the API answers 400. */
export class QueryError extends Error {
  override readonly name = 'QueryError';
}

export interface OrderKey {
  field: string;
  descending: boolean;
}

export interface ListQuery {
  where?: CompiledWhere;
  /** Fields to return (always including the descriptor's identity fields); undefined = all. */
  select?: Set<string>;
  include: Set<string>;
  /** Hidden reasons to show (`true` shows every hidden entity). */
  includeHidden: Set<string> | true;
  limit?: number;
  order: OrderKey[];
  /** Key of the last item already returned; null = start from the beginning. */
  after?: AttrValue[] | null;
}

function csv(value: string | null): string[] {
  if (value === null) return [];
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function parseOrder(text: string | null, descriptor: EntityDescriptor): OrderKey[] {
  const items = text === null || text.trim() === '' ? [...descriptor.defaultOrder] : csv(text);
  return items.map((item) => {
    const match = /^(?:(ASC|DESC):)?([A-Za-z]+)$/i.exec(item);
    if (match === null)
      throw new QueryError(`invalid order_by item '${item}'; use 'Field', 'ASC:Field' or 'DESC:Field'`);
    const field = match[2]!;
    const type = descriptor.fields[field];
    if (type === undefined)
      throw new QueryError(`unknown order_by attribute '${field}' for ${descriptor.kind}`);
    if (type === 'map' || type === 'set') throw new QueryError(`cannot order by '${field}'`);
    return { field, descending: match[1]?.toUpperCase() === 'DESC' };
  });
}

function orderText(order: OrderKey[]): string {
  return order.map((k) => `${k.descending ? 'DESC' : 'ASC'}:${k.field}`).join(',');
}

export function encodeContinue(order: OrderKey[], after: AttrValue[] | null): string {
  return Buffer.from(JSON.stringify({ o: orderText(order), k: after })).toString('base64url');
}

function decodeContinue(token: string, order: OrderKey[]): AttrValue[] | null {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw new QueryError('invalid continue token');
  }
  if (typeof value !== 'object' || value === null) throw new QueryError('invalid continue token');
  const { o, k } = value as { o?: unknown; k?: unknown };
  if (o !== orderText(order)) throw new QueryError('continue token does not belong to this query');
  if (k === null) return null;
  if (!Array.isArray(k) || k.length !== order.length + 1) throw new QueryError('invalid continue token');
  return k as AttrValue[];
}

/** Parses the shared list parameters; throws QueryError or WhereError (both 400). */
export function parseListQuery(
  params: URLSearchParams,
  descriptor: EntityDescriptor,
  descriptors: Partial<Record<EntityKind, EntityDescriptor>>,
  options: { requireWhere?: boolean } = {},
): ListQuery {
  const whereText = params.get('where');
  if (options.requireWhere === true && (whereText === null || whereText.trim() === '')) {
    throw new QueryError('a where parameter is required on this endpoint');
  }
  const where =
    whereText === null || whereText.trim() === ''
      ? undefined
      : compileWhere(whereText, descriptor, descriptors);

  let select: Set<string> | undefined;
  const selectText = params.get('select');
  if (selectText !== null && selectText.trim() !== '') {
    select = new Set(descriptor.alwaysSelected);
    for (const field of csv(selectText)) {
      if (descriptor.unselectable.includes(field)) throw new QueryError(`'${field}' cannot be selected`);
      if (descriptor.fields[field] === undefined) {
        throw new QueryError(`unknown select attribute '${field}' for ${descriptor.kind}`);
      }
      select.add(field);
    }
  }

  const hiddenText = params.get('include_hidden');
  const hidden = csv(hiddenText);
  const includeHidden: Set<string> | true =
    hidden.length === 1 && hidden[0]!.toLowerCase() === 'true' ? true : new Set(hidden);

  let limit: number | undefined;
  const limitText = params.get('limit');
  if (limitText !== null) {
    if (!/^[0-9]+$/.test(limitText)) throw new QueryError(`limit must be an integer, not '${limitText}'`);
    limit = Number(limitText);
    if (limit < 1 || limit > MAX_LIMIT) throw new QueryError(`limit must be between 1 and ${MAX_LIMIT}`);
  }

  const order = parseOrder(params.get('order_by'), descriptor);
  const continueText = params.get('continue');
  const query: ListQuery = { include: new Set(csv(params.get('include'))), includeHidden, order };
  if (where !== undefined) query.where = where;
  if (select !== undefined) query.select = select;
  if (limit !== undefined) query.limit = limit;
  if (continueText !== null && continueText !== '') query.after = decodeContinue(continueText, order);
  return query;
}

function rank(value: AttrValue | undefined): string | number {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number' || typeof value === 'string') return value;
  return '';
}

function compareKeys(a: AttrValue[], b: AttrValue[], order: OrderKey[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = rank(a[i]);
    const y = rank(b[i]);
    if (x === y) continue;
    const sign = x < y ? -1 : 1;
    return i < order.length && order[i]!.descending ? -sign : sign;
  }
  return 0;
}

export function sortKey(attrs: Attrs, order: OrderKey[], idField: string): AttrValue[] {
  return [...order.map((k) => attrs[k.field] ?? ''), attrs[idField] ?? ''];
}

/** How a fault reshapes paging (see `Fault` kinds `endlessContinue` and `shortPages`). */
export type PagingFault = 'endlessContinue' | 'shortPages' | undefined;

export interface Page<T> {
  items: T[];
  /** Value for the `ConfigHub-Continue` header, when more may follow. */
  next?: string;
}

/** Orders rows (ties broken by ID) and cuts the page selected by `limit` and `continue`. */
export function paginate<T>(
  rows: T[],
  attrsOf: (row: T) => Attrs,
  query: ListQuery,
  idField: string,
  fault: PagingFault,
  rawContinue: string | null,
): Page<T> {
  const keyed = rows.map((row) => ({ row, key: sortKey(attrsOf(row), query.order, idField) }));
  keyed.sort((a, b) => compareKeys(a.key, b.key, query.order));
  const after = query.after;
  const remaining = after == null ? keyed : keyed.filter((k) => compareKeys(k.key, after, query.order) > 0);

  if (fault === 'shortPages') {
    // First an empty page with a token, then one item per page, each still followed by a token.
    if (rawContinue === null || rawContinue === '')
      return { items: [], next: encodeContinue(query.order, null) };
    const first = remaining[0];
    if (first === undefined) return { items: [] };
    return { items: [first.row], next: encodeContinue(query.order, first.key) };
  }

  const pageRows = query.limit === undefined ? remaining : remaining.slice(0, query.limit);
  const page: Page<T> = { items: pageRows.map((k) => k.row) };
  if (fault === 'endlessContinue') {
    page.next = rawContinue !== null && rawContinue !== '' ? rawContinue : encodeContinue(query.order, null);
  } else if (query.limit !== undefined && remaining.length > query.limit) {
    page.next = encodeContinue(query.order, pageRows[pageRows.length - 1]!.key);
  }
  return page;
}

export { WhereError };
