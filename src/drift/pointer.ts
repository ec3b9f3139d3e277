// RFC 6901 JSON pointers: the path language of Flux's and Argo CD's ignore rules, so a drift id can be
// pasted into `spec.drift.ignore` as is.
import { isRecord } from '../util/is-record.ts';

export function escapeSegment(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

export function toPointer(segments: readonly string[]): string {
  return segments.map((s) => `/${escapeSegment(s)}`).join('');
}

/** Splits a pointer; throws on a pointer that does not start with `/` (except the empty pointer). */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/'))
    throw new Error(`invalid JSON pointer ${JSON.stringify(pointer)}: must start with /`);
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** Removes the value at `segments` from `root` in place (no-op when absent). */
export function removeAt(root: unknown, segments: readonly string[]): void {
  if (segments.length === 0) return;
  let node: unknown = root;
  for (const segment of segments.slice(0, -1)) {
    node = childOf(node, segment);
    if (node === undefined) return;
  }
  const last = segments[segments.length - 1]!;
  if (Array.isArray(node)) {
    const index = Number(last);
    if (Number.isInteger(index) && index >= 0 && index < node.length) node.splice(index, 1);
  } else if (isRecord(node)) {
    delete node[last];
  }
}

export function childOf(node: unknown, segment: string): unknown {
  if (Array.isArray(node)) {
    const index = Number(segment);
    return Number.isInteger(index) ? node[index] : undefined;
  }
  return isRecord(node) ? node[segment] : undefined;
}

export function valueAt(root: unknown, segments: readonly string[]): unknown {
  let node = root;
  for (const segment of segments) {
    node = childOf(node, segment);
    if (node === undefined) return undefined;
  }
  return node;
}
