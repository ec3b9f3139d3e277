// Type-checks parsed `where` clauses against an entity's attributes and turns them into a row predicate.
import type { Attrs, AttrValue, EntityDescriptor, EntityKind, FieldType } from '../model/descriptors.ts';
import { isUUID } from '../model/ids.ts';
import {
  type Clause,
  type ComparisonOp,
  type Literal,
  type Operand,
  parseWhere,
  WhereError,
} from './where-parser.ts';

/** One candidate entity: its attributes and those of the related entities a `where` may reach. */
export interface Row {
  attrs: Attrs;
  related(relation: string): Attrs | undefined;
}

export interface CompiledWhere {
  test(row: Row): boolean;
  /** True when a clause selects by Slug or the entity ID (which makes hidden entities visible). */
  selectsByIdentity: boolean;
}

type ValueType = 'text' | 'int' | 'bool' | 'map' | 'set' | 'mapValue';

interface Ref {
  type: ValueType;
  name: string;
  /** UUID-typed (IDs and sets of IDs): literals must be UUIDs, as the database casts them. */
  uuid?: boolean;
  /** `undefined` is SQL NULL (a missing map key or a missing related entity). */
  get(row: Row): AttrValue | undefined;
}

function valueType(type: FieldType): ValueType {
  if (type === 'string' || type === 'uuid' || type === 'time') return 'text';
  return type;
}

function resolve(
  path: string[],
  descriptor: EntityDescriptor,
  descriptors: Partial<Record<EntityKind, EntityDescriptor>>,
  relation?: string,
): Ref {
  const [head, ...rest] = path;
  const name = path.join('.');
  const pick = (row: Row): Attrs | undefined => (relation === undefined ? row.attrs : row.related(relation));
  const type = descriptor.whereRefused?.includes(head!) ? undefined : descriptor.fields[head!];
  if (type !== undefined) {
    if (rest.length === 0) {
      return {
        type: valueType(type),
        name,
        uuid: type === 'uuid' || type === 'set',
        get: (row) => pick(row)?.[head!],
      };
    }
    if (type !== 'map') throw new WhereError(`attribute '${head}' has no keys ('${name}')`);
    const key = rest.join('.');
    return {
      type: 'mapValue',
      name,
      get: (row) => (pick(row)?.[head!] as Record<string, string | boolean> | undefined)?.[key],
    };
  }
  const relatedKind = relation === undefined ? descriptor.relations[head!] : undefined;
  const related = relatedKind === undefined ? undefined : descriptors[relatedKind];
  if (related !== undefined && rest.length > 0) return resolve(rest, related, descriptors, head);
  throw new WhereError(`unknown attribute '${name}' for ${descriptor.kind}`);
}

function literalType(value: Literal): ValueType {
  return typeof value === 'string' ? 'text' : typeof value === 'number' ? 'int' : 'bool';
}

function accepts(type: ValueType, literal: Literal): boolean {
  if (type === 'mapValue') return typeof literal === 'string' || typeof literal === 'boolean';
  return literalType(literal) === type;
}

function likePattern(pattern: string, insensitive: boolean): RegExp {
  const body = pattern
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/%/g, '.*')
    .replace(/_/g, '.');
  return new RegExp(`^${body}$`, insensitive ? 'is' : 's');
}

const PATTERN_OPS = new Set<ComparisonOp>(['LIKE', 'ILIKE', 'NOT LIKE', 'NOT ILIKE', '~', '~*', '!~', '!~*']);
const REGEX_OPS = new Set<ComparisonOp>(['~', '~*', '!~', '!~*']);

/** A regular-expression operand (the database's are POSIX; JavaScript's agree on the common subset). */
function regexOf(op: ComparisonOp, pattern: string): RegExp {
  try {
    return new RegExp(pattern, op.endsWith('*') ? 'is' : 's');
  } catch {
    throw new WhereError(`invalid regular expression '${pattern}'`);
  }
}

function compare(op: ComparisonOp, a: AttrValue | undefined, b: AttrValue | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  if (typeof a === 'object' || typeof b === 'object') return false;
  switch (op) {
    case '=':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '>':
      return a > b;
    case '<=':
      return a <= b;
    case '>=':
      return a >= b;
    case 'LIKE':
    case 'ILIKE':
      return typeof a === 'string' && typeof b === 'string' && likePattern(b, op === 'ILIKE').test(a);
    case 'NOT LIKE':
    case 'NOT ILIKE':
      return typeof a === 'string' && typeof b === 'string' && !likePattern(b, op === 'NOT ILIKE').test(a);
    case '~':
    case '~*':
      return typeof a === 'string' && typeof b === 'string' && regexOf(op, b).test(a);
    case '!~':
    case '!~*':
      return typeof a === 'string' && typeof b === 'string' && !regexOf(op, b).test(a);
  }
}

function sizeOf(value: AttrValue | undefined): number {
  if (value === undefined) return 0;
  if (Array.isArray(value)) return value.length;
  if (typeof value === 'object') return Object.keys(value).length;
  if (typeof value === 'string') return value.length;
  return 0;
}

function isNull(value: AttrValue | undefined): boolean {
  return value === undefined || value === '' || (typeof value === 'object' && sizeOf(value) === 0);
}

type Getter = { type: ValueType; uuid?: boolean; get(row: Row): AttrValue | undefined };

function checkUUID(getter: Getter, name: string, literal: Literal): void {
  if (getter.uuid === true && typeof literal === 'string' && !isUUID(literal)) {
    throw new WhereError(`'${literal}' is not a valid UUID for ${name}`);
  }
}

function operandName(op: Operand): string {
  return op.kind === 'literal' ? JSON.stringify(op.value) : op.path.join('.');
}

function operand(
  op: Operand,
  descriptor: EntityDescriptor,
  descriptors: Partial<Record<EntityKind, EntityDescriptor>>,
): Getter {
  if (op.kind === 'literal') return { type: literalType(op.value), get: () => op.value };
  const ref = resolve(op.path, descriptor, descriptors);
  if (op.kind === 'attr') return ref;
  if (ref.type !== 'map' && ref.type !== 'set' && ref.type !== 'text') {
    throw new WhereError(`LEN() needs a map, set or string attribute, not '${ref.name}'`);
  }
  return { type: 'int', get: (row) => sizeOf(ref.get(row)) };
}

function compileClause(
  clause: Clause,
  descriptor: EntityDescriptor,
  descriptors: Partial<Record<EntityKind, EntityDescriptor>>,
): (row: Row) => boolean {
  switch (clause.kind) {
    case 'null': {
      const ref = resolve(clause.path, descriptor, descriptors);
      return (row) => isNull(ref.get(row)) !== clause.negated;
    }
    case 'truth': {
      const ref = resolve(clause.path, descriptor, descriptors);
      if (ref.type !== 'bool' && ref.type !== 'mapValue') {
        throw new WhereError(
          `IS ${clause.negated ? 'NOT ' : ''}${clause.value ? 'TRUE' : 'FALSE'} needs a boolean, not '${ref.name}'`,
        );
      }
      // SQL semantics: NULL is neither TRUE nor FALSE, so IS NOT TRUE holds for a missing value.
      return (row) => (ref.get(row) === clause.value) !== clause.negated;
    }
    case 'has': {
      const ref = resolve(clause.path, descriptor, descriptors);
      if (ref.type !== 'set' && ref.type !== 'map')
        throw new WhereError(`'?' needs a set or map, not '${ref.name}'`);
      if (typeof clause.value !== 'string') throw new WhereError(`'${ref.name} ?' needs a string literal`);
      if (ref.type === 'set') checkUUID(ref, ref.name, clause.value);
      const wanted = clause.value;
      return (row) => {
        const value = ref.get(row);
        if (Array.isArray(value)) return value.includes(wanted);
        return typeof value === 'object' && Object.hasOwn(value, wanted);
      };
    }
    case 'in': {
      if (clause.left.kind === 'literal') throw new WhereError('IN needs an attribute on its left');
      const left = operand(clause.left, descriptor, descriptors);
      if (left.type === 'map' || left.type === 'set')
        throw new WhereError('IN needs a scalar attribute on its left');
      for (const value of clause.values) {
        if (!accepts(left.type, value)) {
          throw new WhereError(`IN list value ${JSON.stringify(value)} has the wrong type`);
        }
        checkUUID(left, operandName(clause.left), value);
      }
      return (row) => {
        const value = left.get(row);
        if (value === undefined) return false;
        return clause.values.some((v) => v === value) !== clause.negated;
      };
    }
    case 'compare': {
      if (clause.left.kind === 'literal') throw new WhereError('a comparison needs an attribute on its left');
      const left = operand(clause.left, descriptor, descriptors);
      const right = operand(clause.right, descriptor, descriptors);
      if (left.type === 'map' || left.type === 'set' || right.type === 'map' || right.type === 'set') {
        throw new WhereError('maps and sets cannot be compared; use a key, ?, or LEN()');
      }
      const compatible =
        left.type === right.type ||
        (left.type === 'mapValue' && (right.type === 'text' || right.type === 'bool')) ||
        (right.type === 'mapValue' && (left.type === 'text' || left.type === 'bool'));
      if (!compatible)
        throw new WhereError(`cannot compare ${left.type} with ${right.type} using ${clause.op}`);
      if (PATTERN_OPS.has(clause.op) && (left.type === 'int' || left.type === 'bool')) {
        throw new WhereError(`${clause.op} needs text operands`);
      }
      if (REGEX_OPS.has(clause.op)) {
        if (clause.right.kind !== 'literal' || typeof clause.right.value !== 'string') {
          throw new WhereError(`${clause.op} needs a string literal pattern`);
        }
        regexOf(clause.op, clause.right.value);
      }
      if (left.type === 'bool' && clause.op !== '=' && clause.op !== '!=') {
        throw new WhereError(`booleans only compare with = and !=`);
      }
      if (clause.right.kind === 'literal' && !PATTERN_OPS.has(clause.op)) {
        checkUUID(left, operandName(clause.left), clause.right.value);
      }
      return (row) => compare(clause.op, left.get(row), right.get(row));
    }
  }
}

/** Parses and type-checks `text`; throws WhereError (a 400) on any problem. */
export function compileWhere(
  text: string,
  descriptor: EntityDescriptor,
  descriptors: Partial<Record<EntityKind, EntityDescriptor>>,
): CompiledWhere {
  const clauses = parseWhere(text);
  const tests = clauses.map((clause) => compileClause(clause, descriptor, descriptors));
  const identity = new Set(['Slug', descriptor.idField]);
  const selectsByIdentity = clauses.some(
    (c) =>
      ((c.kind === 'compare' && c.op === '=') || (c.kind === 'in' && !c.negated)) &&
      c.left.kind === 'attr' &&
      c.left.path.length === 1 &&
      identity.has(c.left.path[0]!),
  );
  return { test: (row) => tests.every((t) => t(row)), selectsByIdentity };
}
