// Just enough of the Kubernetes protobuf encoding to read a SelfSubjectAccessReview, which kubectl's
// typed clients send as `application/vnd.kubernetes.protobuf`: the `k8s\0` envelope
// (runtime.Unknown) around the object's message. Other kinds are served as JSON only.

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** Length-delimited and varint fields of one message, by field number (last one wins). */
const fields = (buf: Buffer): Map<number, Buffer | number> => {
  const out = new Map<number, Buffer | number>();
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = buf[pos++];
      if (byte === undefined) throw new Error('truncated varint');
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7;
    }
  };
  while (pos < buf.length) {
    const tag = varint();
    const [field, wire] = [Math.floor(tag / 8), tag & 7];
    if (wire === 0) out.set(field, varint());
    else if (wire === 2) {
      const length = varint();
      out.set(field, buf.subarray(pos, pos + length));
      pos += length;
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
  return out;
};

const message = (
  m: Map<number, Buffer | number>,
  field: number,
): Map<number, Buffer | number> | undefined => {
  const v = m.get(field);
  return Buffer.isBuffer(v) ? fields(v) : undefined;
};

const text = (m: Map<number, Buffer | number> | undefined, field: number): string | undefined => {
  const v = m?.get(field);
  return Buffer.isBuffer(v) ? v.toString('utf8') : undefined;
};

export const isProtobuf = (contentType: string | undefined): boolean =>
  (contentType ?? '').split(';')[0]!.trim() === 'application/vnd.kubernetes.protobuf';

/** The JSON shape of an authorization.k8s.io/v1 SelfSubjectAccessReview sent as protobuf. */
export const decodeAccessReview = (body: Buffer): Record<string, unknown> => {
  if (!body.subarray(0, 4).equals(MAGIC)) throw new Error('missing the k8s protobuf envelope');
  const unknown = fields(body.subarray(4));
  const raw = unknown.get(2);
  if (!Buffer.isBuffer(raw)) throw new Error('empty protobuf object');
  const spec = message(fields(raw), 2);
  const resource = spec && message(spec, 1);
  const nonResource = spec && message(spec, 2);
  const attrs = (m: Map<number, Buffer | number> | undefined, names: string[]) =>
    m && Object.fromEntries(names.map((n, i) => [n, text(m, i + 1)]).filter(([, v]) => v !== undefined));
  return {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectAccessReview',
    spec: {
      ...(resource
        ? {
            resourceAttributes: attrs(resource, [
              'namespace',
              'verb',
              'group',
              'version',
              'resource',
              'subresource',
              'name',
            ]),
          }
        : {}),
      ...(nonResource ? { nonResourceAttributes: attrs(nonResource, ['path', 'verb']) } : {}),
    },
  };
};
