// What the storage publishes, passed through toArtifact, is a valid `status.artifact` of Flux's real
// ExternalArtifact CRD and meets the stricter shapes consumers parse (checklist 4, 6-8, 10, 12, 13).
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import {
  buildTarGz,
  makeRevision,
  Storage,
  sha256Digest,
  toArtifact,
  unitsToFiles,
} from '../../src/artifact/index.ts';

const EA_CRD = resolve(
  import.meta.dirname,
  '../../../shared/crds/source.toolkit.fluxcd.io_externalartifacts.yaml',
);
const hasCrd = existsSync(EA_CRD);
if (!hasCrd)
  console.warn(`ExternalArtifact schema test skipped: ${EA_CRD} is absent (../shared not checked out)`);

const crdSchema = z.object({
  spec: z.object({
    versions: z.array(
      z.object({
        name: z.string(),
        schema: z.object({
          openAPIV3Schema: z.object({
            properties: z.object({
              status: z.object({ properties: z.object({ artifact: z.record(z.string(), z.unknown()) }) }),
            }),
          }),
        }),
      }),
    ),
  }),
});

let base: string;
beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'ea-schema-'));
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe.skipIf(!hasCrd)('published artifact vs the ExternalArtifact CRD', () => {
  it('validates and has the exact shapes Flux consumers parse', async () => {
    const crd = crdSchema.parse(parse(await readFile(EA_CRD, 'utf8')));
    const version = crd.spec.versions.find((v) => v.name === 'v1')!;
    const ajv = new Ajv({ strict: false });
    addFormats.default(ajv);
    const validate = ajv.compile(version.schema.openAPIV3Schema.properties.status.properties.artifact);

    const storage = new Storage({
      root: join(base, 'data'),
      advertisedAddress: 'confighub-source-controller.flux-system.svc.cluster.local.',
    });
    await storage.init();
    const bytes = await buildTarGz(
      unitsToFiles([
        {
          slug: 'web',
          toolchainType: 'Kubernetes/YAML',
          data: Buffer.from('apiVersion: v1\nkind: Service\nmetadata: {name: web}\n'),
        },
      ]),
    );
    const stored = await storage.store('flux-system', 'shop', bytes);
    const artifact = toArtifact(stored, makeRevision('head', stored.digest), {
      'org.opencontainers.image.source': 'https://hub.confighub.com/space/shop',
    });

    expect(validate(artifact), JSON.stringify(validate.errors)).toBe(true);
    expect(Object.keys(artifact).sort()).toEqual([
      'digest',
      'lastUpdateTime',
      'metadata',
      'path',
      'revision',
      'size',
      'url',
    ]);
    expect(artifact.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(artifact.digest).toBe(sha256Digest(bytes));
    expect(artifact.size).toBe((await stat(join(base, 'data', artifact.path))).size);
    expect(artifact.revision).toMatch(/^[^@:]+@sha256:[a-f0-9]{64}$/);
    expect(artifact.revision.split(':')).toHaveLength(2);
    expect(artifact.path).toMatch(/^confighubrepository\/flux-system\/shop\/[a-f0-9]{64}\.tar\.gz$/);
    expect(artifact.url).toBe(
      `http://confighub-source-controller.flux-system.svc.cluster.local./${artifact.path}`,
    );
    expect(artifact.lastUpdateTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });
});
