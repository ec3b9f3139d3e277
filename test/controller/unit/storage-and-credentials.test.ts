// verifyStorage and credentials: what is on disk, and which ConfigHub client polls.
import { describe, expect, it } from 'vitest';
import { DigestError, StorageError } from '../../../src/artifact/index.ts';
import { StalledError, TransientError } from '../../../src/controller/errors.ts';
import { resolveCredentials } from '../../../src/controller/steps/resolve-credentials.ts';
import { NEXT } from '../../../src/controller/steps/runner.ts';
import { validateSpec } from '../../../src/controller/steps/validate-spec.ts';
import { verifyStorage } from '../../../src/controller/steps/verify-storage.ts';
import { KubeApiError } from '../../../src/kube/errors.ts';
import { resources } from '../../../src/kube/resources.ts';
import {
  artifact,
  conditionsOf,
  DIGEST,
  fakes,
  NAMESPACE,
  PATH,
  reconcileContext,
  repository,
  spec,
  stored,
  trueCondition,
} from './fakes.ts';

const inStorage = stored('ArtifactInStorage', 'True', 'Succeeded', 'stored artifact');
const ready = stored('Ready', 'True', 'Succeeded', 'stored artifact');

describe('verifyStorage', () => {
  const cases = [
    {
      name: 'no artifact yet: missing, nothing to report',
      artifact: undefined,
      verify: undefined,
      wantStored: 'missing',
      wantConditions: [trueCondition('Ready', 'Succeeded', 'stored artifact')],
      wantEvents: [],
    },
    {
      name: 'the file matches: ok, conditions kept',
      artifact: artifact(),
      verify: 'ok' as const,
      wantStored: 'ok',
      wantConditions: [
        trueCondition('Ready', 'Succeeded', 'stored artifact'),
        trueCondition('ArtifactInStorage', 'Succeeded', 'stored artifact'),
      ],
      wantEvents: [],
    },
    {
      name: 'the file is gone: missing, ArtifactInStorage removed',
      artifact: artifact(),
      verify: 'missing' as const,
      wantStored: 'missing',
      wantConditions: [trueCondition('Ready', 'Succeeded', 'stored artifact')],
      wantEvents: [],
    },
    {
      name: 'the file does not match: mismatch, ArtifactInStorage removed, a Warning',
      artifact: artifact(),
      verify: 'mismatch' as const,
      wantStored: 'mismatch',
      wantConditions: [trueCondition('Ready', 'Succeeded', 'stored artifact')],
      wantEvents: [
        `Warning/ArtifactVerificationFailed: stored artifact '${PATH}' does not match digest '${DIGEST}': rebuilding`,
      ],
    },
    {
      name: 'a recorded digest this storage never writes: rebuilt as a mismatch',
      artifact: artifact({ digest: 'md5:x' }),
      verify: new DigestError('md5:x', 'is not a sha256 digest'),
      wantStored: 'mismatch',
      wantConditions: [trueCondition('Ready', 'Succeeded', 'stored artifact')],
      wantEvents: [
        `Warning/ArtifactVerificationFailed: stored artifact '${PATH}' does not match digest 'md5:x': rebuilding`,
      ],
    },
    {
      name: 'a recorded path outside the storage: rebuilt as a mismatch',
      artifact: artifact(),
      verify: new StorageError('InvalidPath', 'path leaves the storage root'),
      wantStored: 'mismatch',
      wantConditions: [trueCondition('Ready', 'Succeeded', 'stored artifact')],
      wantEvents: [
        `Warning/ArtifactVerificationFailed: stored artifact '${PATH}' does not match digest '${DIGEST}': rebuilding`,
      ],
    },
  ];
  it.each(cases)('$name', async (tt) => {
    const f = fakes();
    if (tt.verify !== undefined) f.storage.verified.set(PATH, tt.verify);
    const status = { conditions: [ready, inStorage], ...(tt.artifact ? { artifact: tt.artifact } : {}) };
    const ctx = reconcileContext(f, repository({ status }));
    if (tt.artifact === undefined) ctx.status.conditions = [ready];

    expect(await verifyStorage(ctx)).toEqual(NEXT);

    expect(ctx.stored).toBe(tt.wantStored);
    expect(ctx.previous).toEqual(tt.artifact);
    expect(conditionsOf(ctx.status)).toEqual(tt.wantConditions);
    expect(f.sink.onRepository()).toEqual(tt.wantEvents);
  });

  it('any other storage failure fails the step', async () => {
    const f = fakes();
    f.storage.verified.set(PATH, new StorageError('StatOperationFailed', `cannot read ${PATH}: EIO`));
    const ctx = reconcileContext(f, repository({ status: { artifact: artifact() } }));
    await expect(verifyStorage(ctx)).rejects.toThrow(StorageError);
  });
});

describe('credentials', () => {
  const secret = (name: string, data: Record<string, string>, resourceVersion = '1') => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: NAMESPACE, uid: `uid-${name}`, resourceVersion },
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  });

  async function run(options: {
    spec?: Record<string, unknown>;
    secrets?: ReturnType<typeof secret>[];
    fail?: unknown;
  }) {
    const f = fakes();
    for (const s of options.secrets ?? []) f.kube.put(resources.secret, s);
    if (options.fail !== undefined) f.kube.failNext('get', options.fail);
    const ctx = reconcileContext(f, repository({ spec: options.spec ?? spec() }));
    await validateSpec(ctx);
    const result = await resolveCredentials(ctx).catch((e: unknown) => e);
    return { f, ctx, result };
  }

  it('builds the client from the Secret, keyed by the object, versioned by the Secret', async () => {
    const { f, ctx, result } = await run({ secrets: [secret('confighub-token', { token: 'abc' }, '42')] });
    expect(result).toEqual(NEXT);
    expect(ctx.upstream).toBeDefined();
    expect(f.upstream.gets).toEqual([
      {
        key: `${NAMESPACE}/shop`,
        server: 'https://hub.test',
        timeoutMs: 60_000,
        version: 'uid-confighub-token/42',
      },
    ]);
  });

  it.each([
    {
      name: 'a missing Secret is retried after --requeue-dependency (GitOps may apply it later)',
      secrets: [],
      fail: undefined,
      spec: undefined,
      want: {
        type: TransientError,
        reason: 'SecretNotFound',
        message: `Secret '${NAMESPACE}/confighub-token' not found`,
        retryAfterMs: 30_000,
      },
    },
    {
      name: 'an unreadable Secret is retried with backoff, naming the API answer only',
      secrets: [],
      fail: new KubeApiError(403, 'Forbidden', 'secrets "confighub-token" is forbidden'),
      spec: undefined,
      want: {
        type: TransientError,
        reason: 'SecretNotFound',
        message: "unable to read Secret 'confighub-token': 403 Forbidden",
        retryAfterMs: undefined,
      },
    },
    {
      name: 'a Secret without credentials stalls',
      secrets: [secret('confighub-token', { other: 'x' })],
      fail: undefined,
      spec: undefined,
      want: {
        type: StalledError,
        reason: 'InvalidSecret',
        message: expect.stringMatching(/^invalid Secret 'confighub-token': /),
      },
    },
    {
      name: 'a Secret in another namespace stalls',
      secrets: [],
      fail: undefined,
      spec: spec({ secretRef: { name: 'confighub-token', namespace: 'victim' } }),
      want: {
        type: StalledError,
        reason: 'CrossNamespaceRefNotAllowed',
        message: `cross-namespace references are not allowed: Secret 'victim/confighub-token' is not in namespace '${NAMESPACE}'`,
      },
    },
  ])('$name', async (tt) => {
    const { f, result } = await run({
      secrets: tt.secrets,
      fail: tt.fail,
      ...(tt.spec ? { spec: tt.spec } : {}),
    });
    const { type, ...fields } = tt.want;
    expect(result).toBeInstanceOf(type);
    expect(result).toMatchObject(fields);
    expect(f.upstream.gets).toEqual([]);
  });
});
