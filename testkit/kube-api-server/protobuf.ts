// Kubernetes' protobuf encoding, decoded for the few built-in kinds kubectl sends that way. kubectl
// (client-go typed clients) posts built-in objects as `application/vnd.kubernetes.protobuf` — e.g.
// `kubectl create namespace|secret|configmap` — and a real API server never falls back to JSON, so a
// server that only reads JSON answers 415 UnsupportedMediaType. Envelope: the magic `k8s\0`, then a
// runtime.Unknown {typeMeta=1 {apiVersion=1, kind=2}, raw=2}; `raw` is the typed message, decoded
// with the field numbers of k8s.io/api generated.proto.
import { unsupportedMediaType } from './errors.ts';

export const PROTOBUF = 'application/vnd.kubernetes.protobuf';

type Field =
  | { name: string; type: 'string' | 'bytes' | 'int' | 'bool' | 'time'; repeated?: boolean }
  | { name: string; type: 'map'; value: 'string' | 'bytes' }
  | { name: string; type: 'message'; schema: Schema; repeated?: boolean };
type Schema = Record<number, Field>;

const OWNER_REFERENCE: Schema = {
  1: { name: 'kind', type: 'string' },
  3: { name: 'name', type: 'string' },
  4: { name: 'uid', type: 'string' },
  5: { name: 'apiVersion', type: 'string' },
  6: { name: 'controller', type: 'bool' },
  7: { name: 'blockOwnerDeletion', type: 'bool' },
};

const OBJECT_META: Schema = {
  1: { name: 'name', type: 'string' },
  2: { name: 'generateName', type: 'string' },
  3: { name: 'namespace', type: 'string' },
  5: { name: 'uid', type: 'string' },
  6: { name: 'resourceVersion', type: 'string' },
  7: { name: 'generation', type: 'int' },
  8: { name: 'creationTimestamp', type: 'time' },
  11: { name: 'labels', type: 'map', value: 'string' },
  12: { name: 'annotations', type: 'map', value: 'string' },
  13: { name: 'ownerReferences', type: 'message', schema: OWNER_REFERENCE, repeated: true },
  14: { name: 'finalizers', type: 'string', repeated: true },
};

const KINDS: Record<string, Schema> = {
  'v1/Namespace': {
    1: { name: 'metadata', type: 'message', schema: OBJECT_META },
    2: {
      name: 'spec',
      type: 'message',
      schema: { 1: { name: 'finalizers', type: 'string', repeated: true } },
    },
  },
  'v1/Secret': {
    1: { name: 'metadata', type: 'message', schema: OBJECT_META },
    2: { name: 'data', type: 'map', value: 'bytes' },
    3: { name: 'type', type: 'string' },
    4: { name: 'stringData', type: 'map', value: 'string' },
    5: { name: 'immutable', type: 'bool' },
  },
  'v1/ConfigMap': {
    1: { name: 'metadata', type: 'message', schema: OBJECT_META },
    2: { name: 'data', type: 'map', value: 'string' },
    3: { name: 'binaryData', type: 'map', value: 'bytes' },
    4: { name: 'immutable', type: 'bool' },
  },
};

const ENVELOPE: Schema = {
  1: {
    name: 'typeMeta',
    type: 'message',
    schema: { 1: { name: 'apiVersion', type: 'string' }, 2: { name: 'kind', type: 'string' } },
  },
  2: { name: 'raw', type: 'bytes' },
};

/** The object a protobuf request body carries, as the JSON the rest of the server works with. */
export function decodeProtobuf(body: Buffer): Record<string, unknown> {
  if (body.length < 4 || body.subarray(0, 4).toString('latin1') !== 'k8s\0') {
    throw unsupportedMediaType(PROTOBUF, ['application/json', 'application/yaml', PROTOBUF]);
  }
  const unknown = decode(body.subarray(4), ENVELOPE);
  const typeMeta = (unknown['typeMeta'] ?? {}) as { apiVersion?: string; kind?: string };
  const schema = KINDS[`${typeMeta.apiVersion}/${typeMeta.kind}`];
  if (schema === undefined || !(unknown['raw'] instanceof Buffer)) {
    throw unsupportedMediaType(PROTOBUF, ['application/json', 'application/yaml']);
  }
  return { apiVersion: typeMeta.apiVersion, kind: typeMeta.kind, ...decode(unknown['raw'], schema) };
}

function decode(bytes: Buffer, schema: Schema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const byte = bytes[pos++];
      if (byte === undefined) throw new Error('truncated varint');
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (pos < bytes.length) {
    const key = Number(varint());
    const number = key >>> 3;
    const wire = key & 7;
    let value: bigint | Buffer;
    if (wire === 0) value = varint();
    else if (wire === 2) {
      const length = Number(varint());
      value = bytes.subarray(pos, pos + length);
      pos += length;
    } else if (wire === 1) {
      value = bytes.subarray(pos, pos + 8);
      pos += 8;
    } else if (wire === 5) {
      value = bytes.subarray(pos, pos + 4);
      pos += 4;
    } else throw new Error(`unsupported wire type ${wire}`);
    const field = schema[number];
    if (field === undefined) continue;
    const set = (v: unknown, repeated?: boolean) => {
      // Go's JSON encoding leaves out empty optional fields (omitempty); protobuf sends them.
      if (!repeated && (v === '' || v === false || v === 0)) return;
      if (repeated) out[field.name] = [...((out[field.name] as unknown[]) ?? []), v];
      else out[field.name] = v;
    };
    switch (field.type) {
      case 'string':
        set((value as Buffer).toString('utf8'), field.repeated);
        break;
      case 'bytes':
        set(Buffer.from(value as Buffer), field.repeated);
        break;
      case 'int':
        set(Number(value as bigint), field.repeated);
        break;
      case 'bool':
        set(value !== 0n, field.repeated);
        break;
      case 'time': {
        const t = decode(value as Buffer, { 1: { name: 's', type: 'int' } });
        set(new Date(((t['s'] as number | undefined) ?? 0) * 1000).toISOString().replace('.000Z', 'Z'));
        break;
      }
      case 'message':
        set(decode(value as Buffer, field.schema), field.repeated);
        break;
      case 'map': {
        const entry = decode(value as Buffer, {
          1: { name: 'k', type: 'string' },
          2: { name: 'v', type: field.value === 'bytes' ? 'bytes' : 'string' },
        });
        const map = (out[field.name] as Record<string, string>) ?? {};
        const v = entry['v'] ?? (field.value === 'bytes' ? Buffer.alloc(0) : '');
        map[(entry['k'] as string) ?? ''] = v instanceof Buffer ? v.toString('base64') : (v as string);
        out[field.name] = map;
        break;
      }
    }
  }
  return out;
}
