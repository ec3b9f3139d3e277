// Conformance checklist 1-16: the ExternalArtifact object Flux consumers read. The controller talks to
// the API server through a recording proxy so the bodies it sends can be checked (item 5).
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseControllerOptions } from '../../src/config/options.ts';
import { type ControllerRuntime, startController } from '../../src/controller/runtime.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { localControllerArgs } from '../../testkit/local-stack.ts';
import { useLocalStack } from '../support/local-stack.ts';
import { type RecordingProxy, startRecordingProxy } from '../support/recording-proxy.ts';
import { condition, download, EA, type Repo, sha256 } from '../support/repositories.ts';
import {
  afterSecondOf,
  DIGEST_RE,
  EA_CRD_FILE,
  type ExternalArtifact,
  externalArtifact,
  HAS_FLUX_CRDS,
  NO_FLUX_CRDS_REASON,
  REVISION_RE,
  RFC3339_UTC_RE,
  touchUnit,
} from './support.ts';

const stack = useLocalStack({ controller: false });
let proxy: RecordingProxy;
let runtime: ControllerRuntime;
let repo: Repo;
let ea: ExternalArtifact;

beforeAll(async () => {
  proxy = await startRecordingProxy(stack.kube);
  const options = parseControllerOptions(localControllerArgs(stack.storagePath), {});
  runtime = await startController(proxy.kubeConfig(), options, silentLogger(), {
    processMetrics: false,
    watchTimeoutSeconds: 30,
    advertiseBoundAddress: true,
  });
  await stack.createRepository('team-a', 'shop');
  repo = await stack.waitForReady('team-a', 'shop');
  ea = (await stack.waitForExternalArtifact('team-a', 'shop')) as ExternalArtifact;
});
afterAll(async () => {
  await runtime?.stop();
  await proxy?.close();
});

describe('ExternalArtifact object', () => {
  it('1. for every Ready ConfigHubRepository there is exactly one ExternalArtifact (source.toolkit.fluxcd.io/v1) in the same namespace, with the same name', () => {
    const all = stack.kube.list(EA) as ExternalArtifact[];
    const ours = all.filter(
      (o) => o.spec.sourceRef?.name === 'shop' && o.spec.sourceRef?.namespace === 'team-a',
    );
    expect(ours).toHaveLength(1);
    expect(ours[0]).toMatchObject({
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'ExternalArtifact',
      metadata: { name: 'shop', namespace: 'team-a' },
    });
  });

  it('2. spec.sourceRef has a non-empty apiVersion, kind ConfigHubRepository, the name, and the source namespace', () => {
    expect(ea.spec.sourceRef).toEqual({
      apiVersion: 'source.confighub.com/v1beta1',
      kind: 'ConfigHubRepository',
      name: 'shop',
      namespace: 'team-a',
    });
  });

  it('3. the ExternalArtifact has an ownerReference to the ConfigHubRepository with matching UID and controller: true', () => {
    const owners = (ea.metadata.ownerReferences ?? []) as unknown as Array<Record<string, unknown>>;
    const controllers = owners.filter((o) => o['controller'] === true);
    expect(controllers).toEqual([
      expect.objectContaining({
        apiVersion: 'source.confighub.com/v1beta1',
        kind: 'ConfigHubRepository',
        name: 'shop',
        uid: repo.metadata.uid,
      }),
    ]);
  });

  it.skipIf(!HAS_FLUX_CRDS)(
    `4. status.artifact has path, url, revision, digest, lastUpdateTime and size, and the object validates against Flux's ExternalArtifact CRD${HAS_FLUX_CRDS ? '' : ` (skipped: ${NO_FLUX_CRDS_REASON})`}`,
    async () => {
      const artifact = ea.status!.artifact!;
      for (const field of ['path', 'url', 'revision', 'digest', 'lastUpdateTime', 'size'] as const) {
        expect(artifact[field], field).toBeDefined();
      }
      expect(stack.fluxCrdsLoaded).toBe(true);
      const crd = parse(await readFile(EA_CRD_FILE, 'utf8')) as {
        spec: { versions: Array<{ name: string; schema: { openAPIV3Schema: object } }> };
      };
      const schema = crd.spec.versions.find((v) => v.name === 'v1')!.schema.openAPIV3Schema;
      const ajv = new Ajv({ strict: false, allErrors: true });
      addFormats.default(ajv);
      const validate = ajv.compile(schema);
      const valid = validate(ea);
      expect(validate.errors ?? [], JSON.stringify(validate.errors)).toEqual([]);
      expect(valid).toBe(true);
      // The schema refuses what Flux would refuse: a negative control proves the validator bites.
      expect(validate({ ...ea, status: { artifact: { ...artifact, lastUpdateTime: undefined } } })).toBe(
        false,
      );
    },
  );

  it('5. status is written via the status subresource; creates and updates of the main resource never carry status', () => {
    const writes = proxy.requests.filter((r) => r.method !== 'GET' && r.method !== 'DELETE');
    const eaWrites = writes.filter(
      (r) => /\/externalartifacts\/shop(\/status)?$/.test(r.path) || r.path.endsWith('/externalartifacts'),
    );
    const chrWrites = writes.filter((r) => /\/confighubrepositories\/shop(\/status)?$/.test(r.path));
    expect(eaWrites.some((r) => r.path.endsWith('/status'))).toBe(true);
    expect(chrWrites.some((r) => r.path.endsWith('/status'))).toBe(true);
    for (const write of [...eaWrites, ...chrWrites]) {
      const body = JSON.parse(write.body) as Record<string, unknown>;
      if (write.path.endsWith('/status')) expect(Object.keys(body)).toContain('status');
      else expect(body, `${write.method} ${write.path}`).not.toHaveProperty('status');
    }
  });

  it('6. digest matches ^sha256:[a-f0-9]{64}$', () => {
    expect(ea.status!.artifact!.digest).toMatch(DIGEST_RE);
  });

  it('7. digest equals sha256: + hex(SHA-256 of the exact bytes returned by GET url)', async () => {
    const { status, bytes } = await download(ea.status!.artifact!.url);
    expect(status).toBe(200);
    expect(sha256(bytes)).toBe(ea.status!.artifact!.digest);
  });

  it('8. size equals the number of bytes returned by GET url and the on-disk file size', async () => {
    const artifact = ea.status!.artifact!;
    const { bytes } = await download(artifact.url);
    const onDisk = await stat(join(stack.storagePath, artifact.path));
    expect(artifact.size).toBe(bytes.length);
    expect(artifact.size).toBe(onDisk.size);
  });

  it('10. revision is <ref>@sha256:<hex> (or sha256:<hex>) with exactly one ":" and at least 12 characters after it', () => {
    const revision = ea.status!.artifact!.revision;
    expect(revision).toMatch(REVISION_RE);
    expect(revision.split(':')).toHaveLength(2);
    expect(revision.slice(revision.indexOf(':') + 1).length).toBeGreaterThanOrEqual(12);
  });

  it('12. path is relative, has no ".." segment, and is confighubrepository/<ns>/<name>/<file>.tar.gz', () => {
    const path = ea.status!.artifact!.path;
    expect(path.startsWith('/')).toBe(false);
    expect(path.split('/')).not.toContain('..');
    expect(path).toMatch(/^confighubrepository\/team-a\/shop\/[a-f0-9]{64}\.tar\.gz$/);
  });

  it('13. url is http://<advertised address>/<path>', () => {
    const artifact = ea.status!.artifact!;
    expect(runtime.storage.advertisedAddress).toBe(new URL(runtime.servers.artifacts.url).host);
    expect(artifact.url).toBe(`http://${runtime.storage.advertisedAddress}/${artifact.path}`);
  });

  it('14. on success conditions has Ready=True, reason=Succeeded, observedGeneration = EA generation, message containing the revision', () => {
    const ready = condition(ea, 'Ready');
    expect(ready).toMatchObject({
      status: 'True',
      reason: 'Succeeded',
      observedGeneration: ea.metadata.generation,
    });
    expect(ready!.message).toContain(ea.status!.artifact!.revision);
  });

  it('16. the ExternalArtifact status is not rewritten when nothing changed', async () => {
    const before = externalArtifact(stack, 'team-a', 'shop');
    const writesBefore = proxy.requests.filter(
      (r) => r.method !== 'GET' && r.path.includes('/externalartifacts/shop'),
    ).length;
    stack.requestReconcile('team-a', 'shop', 'nothing-changed');
    await stack.waitForReady('team-a', 'shop', (r) => r.status?.lastHandledReconcileAt === 'nothing-changed');
    const after = externalArtifact(stack, 'team-a', 'shop');
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(
      proxy.requests.filter((r) => r.method !== 'GET' && r.path.includes('/externalartifacts/shop')).length,
    ).toBe(writesBefore);
  });

  it('15. on an upstream failure the ExternalArtifact keeps its last good artifact, the file stays servable, and Ready=False with a Flux failure reason', async () => {
    await stack.createRepository('team-fail', 'shop');
    const good = await stack.waitForReady('team-fail', 'shop');
    stack.setToken('team-fail', 'revoked-token');
    stack.requestReconcile('team-fail', 'shop', 'revoked');
    await stack.waitForCondition('team-fail', 'shop', 'Ready', 'False');
    const failed = (await stack.waitForExternalArtifact('team-fail', 'shop', 'False')) as ExternalArtifact;
    expect(['FetchFailed', 'StorageOperationFailed', 'VerificationFailed']).toContain(
      condition(failed, 'Ready')!.reason,
    );
    expect(failed.status!.artifact).toEqual(good.status!.artifact);
    const served = await download(good.status!.artifact!.url);
    expect(served.status).toBe(200);
    expect(sha256(served.bytes)).toBe(good.status!.artifact!.digest);
  });

  it('11. identical content yields the same digest and revision; a content change yields a different revision', async () => {
    await stack.createRepository('team-twin', 'shop');
    const twin = await stack.waitForReady('team-twin', 'shop');
    const original = externalArtifact(stack, 'team-a', 'shop').status!.artifact!;
    expect(twin.status!.artifact!.digest).toBe(original.digest);
    expect(twin.status!.artifact!.revision).toBe(original.revision);

    const revert = touchUnit(stack, 'content change for item 11');
    stack.requestReconcile('team-twin', 'shop', 'changed');
    const changed = await stack.waitForReady(
      'team-twin',
      'shop',
      (r) => r.status?.lastHandledReconcileAt === 'changed',
    );
    expect(changed.status!.artifact!.digest).not.toBe(original.digest);
    expect(changed.status!.artifact!.revision).not.toBe(original.revision);

    revert();
    stack.requestReconcile('team-twin', 'shop', 'reverted');
    const reverted = await stack.waitForReady(
      'team-twin',
      'shop',
      (r) => r.status?.lastHandledReconcileAt === 'reverted',
    );
    expect(reverted.status!.artifact!.digest).toBe(original.digest);
    expect(reverted.status!.artifact!.revision).toBe(original.revision);
  });

  it('9. lastUpdateTime is RFC 3339 UTC and changes only when a new file is published', async () => {
    const first = externalArtifact(stack, 'team-a', 'shop').status!.artifact!;
    expect(first.lastUpdateTime).toMatch(RFC3339_UTC_RE);
    await afterSecondOf(first.lastUpdateTime);
    stack.requestReconcile('team-a', 'shop', 'no-new-file');
    await stack.waitForReady('team-a', 'shop', (r) => r.status?.lastHandledReconcileAt === 'no-new-file');
    expect(externalArtifact(stack, 'team-a', 'shop').status!.artifact!.lastUpdateTime).toBe(
      first.lastUpdateTime,
    );

    const revert = touchUnit(stack, 'content change for item 9');
    try {
      stack.requestReconcile('team-a', 'shop', 'new-file');
      await stack.waitForReady('team-a', 'shop', (r) => r.status?.lastHandledReconcileAt === 'new-file');
      const second = (await stack.kube.waitForObject(
        EA,
        'team-a',
        'shop',
        (o) => (o as ExternalArtifact).status?.artifact?.digest !== first.digest,
      )) as ExternalArtifact;
      expect(second.status!.artifact!.lastUpdateTime).toMatch(RFC3339_UTC_RE);
      expect(Date.parse(second.status!.artifact!.lastUpdateTime)).toBeGreaterThan(
        Date.parse(first.lastUpdateTime),
      );
    } finally {
      revert();
    }
  });
});
