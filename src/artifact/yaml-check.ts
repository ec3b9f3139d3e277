// Checks that a unit is a stream of Kubernetes objects, in time and memory linear in its size.
//
// js-yaml's event parser (chosen by measurement, bench/results.md §1) turns the text into a flat list of
// events; one pass over them checks what a full load would, without building the documents: duplicate
// keys (a Set per open mapping), nesting depth (bounded in the parser, before the stack is at risk),
// aliases (the expanded node count, refused past the ratio kustomize's YAML decoder refuses), and the
// fields every object needs. Messages carry a position and never echo the unit's content, which may be
// a Secret.
import {
  EVENT_ID,
  type Event,
  getScalarValue,
  parseEvents,
  SCALAR_STYLE,
  type ScalarEvent,
  YAMLException,
} from 'js-yaml';
import { stripControl, truncate } from '../util/clean-text.ts';

/** Deeper nesting is refused; Kubernetes objects stay far below it, and the parser's stack stays safe. */
export const MAX_NESTING_DEPTH = 512;
const MAX_REASON_LENGTH = 200;

export type YamlPosition = { line: number; column: number };

/** One object of the unit: what identifies it once applied. */
export interface ObjectHeader {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  /** 1-based position of the document's content. */
  position: YamlPosition;
}

export class YamlCheckError extends Error {
  override readonly name = 'YamlCheckError';
  readonly problem: string;
  readonly position: YamlPosition | undefined;

  constructor(problem: string, position?: YamlPosition) {
    super(problem);
    this.problem = problem;
    this.position = position;
  }
}

type ScalarInfo = { value: string; isString: boolean };

interface Frame {
  kind: 'map' | 'seq';
  /** Keys seen so far (mappings only). */
  keys: Set<string> | undefined;
  /** For a mapping: whether the next node is a key. */
  expectKey: boolean;
  /** The key whose value comes next, when the mapping is at a level whose fields we read. */
  pendingKey: string | undefined;
  /** Expanded node count so far, this collection included. */
  size: number;
  anchor: string | undefined;
  /** Scalar fields kept from this mapping: `apiVersion`, `kind`, `name`, `namespace`. */
  fields: Map<string, ScalarInfo> | undefined;
  /** Scalar fields of the mapping under this mapping's `metadata` key. */
  metadata: Map<string, ScalarInfo> | undefined;
  start: number;
}

/** What an anchor stands for: its expanded size and the fields an alias of it may provide. */
type Anchored = {
  size: number;
  scalar?: ScalarInfo;
  fields?: Map<string, ScalarInfo>;
  metadata?: Map<string, ScalarInfo>;
};

const KEPT_FIELDS = new Set(['apiVersion', 'kind', 'name', 'namespace']);
/** A scalar value nobody reads (not a key, not a kept field, not anchored). */
const PLAIN_VALUE: Anchored = { size: 1 };

const CORE_NULL = /^(?:~|null|Null|NULL|)$/;
const CORE_BOOL = /^(?:true|True|TRUE|false|False|FALSE)$/;
const CORE_INT = /^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$/;
const CORE_FLOAT =
  /^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const STRING_TAGS = new Set(['!!str', '!<tag:yaml.org,2002:str>']);
const OTHER_CORE_TAGS = /^(?:!!|!<tag:yaml\.org,2002:)(?:int|float|bool|null|map|seq)>?$/;

/** The YAML 1.2 core schema's verdict: does this scalar load as a string? */
function scalarInfo(source: string, event: ScalarEvent): ScalarInfo {
  const value = getScalarValue(source, event);
  if (event.tagStart !== -1) {
    const tag = source.slice(event.tagStart, event.tagEnd);
    if (STRING_TAGS.has(tag)) return { value, isString: true };
    if (OTHER_CORE_TAGS.test(tag)) return { value, isString: false };
  }
  if (event.style !== SCALAR_STYLE.PLAIN) return { value, isString: true };
  const isString = !(
    CORE_NULL.test(value) ||
    CORE_BOOL.test(value) ||
    CORE_INT.test(value) ||
    CORE_FLOAT.test(value)
  );
  return { value, isString };
}

function isNullScalar(source: string, event: ScalarEvent): boolean {
  if (event.style !== SCALAR_STYLE.PLAIN) return false;
  if (event.tagStart !== -1) return false;
  return CORE_NULL.test(getScalarValue(source, event));
}

/**
 * The share of nodes that may come from alias expansion, as go-yaml v3 (kustomize's decoder) allows:
 * 99% up to 400,000 decoded nodes, falling linearly to 10% at 4,000,000.
 */
export function allowedAliasRatio(decoded: number): number {
  if (decoded <= 400_000) return 0.99;
  if (decoded >= 4_000_000) return 0.1;
  return 0.99 - (0.89 * (decoded - 400_000)) / 3_600_000;
}

/** 1-based line and column of a UTF-16 offset; one linear scan, run only to report an error. */
export function positionOf(text: string, offset: number): YamlPosition {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

/** Parser messages without control characters and bounded, as they reach conditions and events. */
function oneLine(text: string, max: number): string {
  return truncate(stripControl(text).trim(), max);
}

function nodeStart(event: Event): number {
  switch (event.type) {
    case EVENT_ID.SCALAR:
      return event.anchorStart !== -1
        ? event.anchorStart
        : event.tagStart !== -1
          ? event.tagStart
          : event.valueStart;
    case EVENT_ID.MAPPING:
    case EVENT_ID.SEQUENCE:
      return event.start;
    case EVENT_ID.ALIAS:
      return event.anchorStart - 1;
    default:
      return 0;
  }
}

function parse(text: string): Event[] {
  try {
    return parseEvents(text, { maxDepth: MAX_NESTING_DEPTH + 1 });
  } catch (error) {
    if (error instanceof YAMLException) {
      const mark = error.mark;
      const position = mark ? { line: mark.line + 1, column: mark.column + 1 } : undefined;
      const reason = error.reason.startsWith('nesting exceeded maxDepth')
        ? `nesting is deeper than ${MAX_NESTING_DEPTH} levels`
        : `YAML: ${oneLine(error.reason, MAX_REASON_LENGTH)}`;
      throw new YamlCheckError(reason, position);
    }
    if (error instanceof RangeError) {
      throw new YamlCheckError(`nesting is too deep to parse (limit ${MAX_NESTING_DEPTH} levels)`);
    }
    throw error;
  }
}

/**
 * Validates one unit's text and returns the header of every object in it (empty documents are
 * allowed and skipped). `kustomization` units must hold a kustomize Kustomization instead.
 */
export function checkKubernetesYaml(text: string, kustomization: boolean): ObjectHeader[] {
  const events = parse(text);
  const headers: ObjectHeader[] = [];
  const stack: Frame[] = [];
  let anchors = new Map<string, Anchored>();
  let documentIndex = 0;
  let rootStart = -1;
  let rootIsNull = false;
  let rootKind: 'map' | 'other' | undefined;
  let rootFields: Map<string, ScalarInfo> | undefined;
  let rootMetadata: Map<string, ScalarInfo> | undefined;
  let decoded = 0;
  let viaAlias = 0;

  const fail = (problem: string, offset: number): never => {
    throw new YamlCheckError(problem, positionOf(text, offset));
  };

  /** Accounts one complete node (scalar, alias or closed collection) to its parent mapping or list. */
  const attach = (parent: Frame, start: number, value: Anchored) => {
    parent.size += value.size;
    if (parent.kind !== 'map') return;
    if (parent.expectKey) {
      // Kubernetes objects are JSON: a key that is itself a collection has no meaning there.
      if (value.scalar === undefined) fail('a mapping key must be a scalar', start);
      const name = value.scalar!.value;
      if (parent.keys!.has(name)) fail(`duplicated mapping key ${JSON.stringify(clip(name))}`, start);
      parent.keys!.add(name);
      parent.pendingKey = KEPT_FIELDS.has(name) || name === 'metadata' ? name : undefined;
      parent.expectKey = false;
      return;
    }
    const field = parent.pendingKey;
    if (field !== undefined) {
      if (field === 'metadata') {
        if (value.fields !== undefined) parent.metadata = value.fields;
      } else if (value.scalar !== undefined) {
        parent.fields ??= new Map();
        parent.fields.set(field, value.scalar);
      }
    }
    parent.pendingKey = undefined;
    parent.expectKey = true;
  };

  const finishDocument = () => {
    documentIndex++;
    if (rootKind === undefined || rootIsNull) return;
    const position = positionOf(text, rootStart);
    if (rootKind !== 'map') {
      throw new YamlCheckError(`document ${documentIndex} is not a mapping`, position);
    }
    const get = (fields: Map<string, ScalarInfo> | undefined, name: string) => {
      const info = fields?.get(name);
      return info?.isString === true && info.value.length > 0 ? info.value : undefined;
    };
    const apiVersion = get(rootFields, 'apiVersion');
    const kind = get(rootFields, 'kind');
    if (kustomization) {
      if (kind !== 'Kustomization' || !apiVersion?.startsWith('kustomize.config.k8s.io/')) {
        throw new YamlCheckError(
          `document ${documentIndex} must be a kustomize.config.k8s.io Kustomization`,
          position,
        );
      }
      headers.push({ apiVersion, kind, name: '', position });
      return;
    }
    const name = get(rootMetadata, 'name');
    const missing = [
      apiVersion === undefined ? 'apiVersion' : undefined,
      kind === undefined ? 'kind' : undefined,
      name === undefined ? 'metadata.name' : undefined,
    ].filter((field) => field !== undefined);
    if (missing.length > 0) {
      throw new YamlCheckError(`document ${documentIndex} has no ${missing.join(', ')}`, position);
    }
    const namespace = get(rootMetadata, 'namespace');
    headers.push({
      apiVersion: apiVersion!,
      kind: kind!,
      name: name!,
      ...(namespace === undefined ? {} : { namespace }),
      position,
    });
  };

  for (const event of events) {
    switch (event.type) {
      case EVENT_ID.DOCUMENT:
        anchors = new Map();
        rootKind = undefined;
        rootIsNull = false;
        rootFields = undefined;
        rootMetadata = undefined;
        break;
      case EVENT_ID.MAPPING:
      case EVENT_ID.SEQUENCE: {
        const isMap = event.type === EVENT_ID.MAPPING;
        const parent = stack.at(-1);
        if (parent === undefined) {
          rootKind = isMap ? 'map' : 'other';
          rootStart = event.start;
        } else if (parent.kind === 'map' && parent.expectKey) {
          fail('a mapping key must be a scalar', event.start);
        }
        stack.push({
          kind: isMap ? 'map' : 'seq',
          keys: isMap ? new Set() : undefined,
          expectKey: true,
          pendingKey: undefined,
          size: 1,
          anchor: event.anchorStart === -1 ? undefined : text.slice(event.anchorStart, event.anchorEnd),
          fields: undefined,
          metadata: undefined,
          start: event.start,
        });
        break;
      }
      case EVENT_ID.SCALAR: {
        const parent = stack.at(-1);
        decoded++;
        const isAnchored = event.anchorStart !== -1;
        // Decoding and typing a scalar costs; only keys, the fields we read and anchored scalars need it.
        let anchored: Anchored;
        if (
          isAnchored ||
          (parent !== undefined && parent.kind === 'map' && parent.pendingKey !== undefined)
        ) {
          anchored = { size: 1, scalar: scalarInfo(text, event) };
          if (isAnchored) anchors.set(text.slice(event.anchorStart, event.anchorEnd), anchored);
        } else if (parent !== undefined && parent.kind === 'map' && parent.expectKey) {
          anchored = { size: 1, scalar: { value: getScalarValue(text, event), isString: true } };
        } else {
          anchored = PLAIN_VALUE;
        }
        if (parent === undefined) {
          rootKind = 'other';
          rootStart = nodeStart(event);
          rootIsNull = isNullScalar(text, event);
          break;
        }
        attach(parent, nodeStart(event), anchored);
        break;
      }
      case EVENT_ID.ALIAS: {
        const name = text.slice(event.anchorStart, event.anchorEnd);
        const target = anchors.get(name);
        const start = nodeStart(event);
        if (target === undefined) fail(`unidentified alias ${JSON.stringify(clip(name))}`, start);
        const { size } = target!;
        decoded += size;
        viaAlias += size;
        if (viaAlias > 100 && decoded > 1000 && viaAlias / decoded > allowedAliasRatio(decoded)) {
          fail(
            `aliases expand to ${viaAlias} of ${decoded} nodes decoded so far (excessive aliasing, as kustomize refuses it)`,
            start,
          );
        }
        // Anchors belong to their document, so an alias always has a parent collection here.
        const parent = stack.at(-1);
        if (parent !== undefined) attach(parent, start, target!);
        break;
      }
      case EVENT_ID.POP: {
        const frame = stack.pop();
        if (frame === undefined) {
          finishDocument();
          break;
        }
        decoded++;
        const anchored: Anchored =
          frame.kind === 'map'
            ? { size: frame.size, fields: frame.fields ?? new Map(), metadata: frame.metadata }
            : { size: frame.size };
        if (frame.anchor !== undefined) anchors.set(frame.anchor, anchored);
        const parent = stack.at(-1);
        if (parent === undefined) {
          rootFields = frame.fields;
          rootMetadata = frame.metadata;
          break;
        }
        attach(parent, frame.start, anchored);
        break;
      }
    }
  }
  return headers;
}

/** Keys and anchor names quoted in messages: short and on one line. */
function clip(text: string): string {
  return oneLine(text, 64);
}
