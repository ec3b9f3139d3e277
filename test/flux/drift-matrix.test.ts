// Zero false positives: for Kustomizations using each of Flux's build features, what the stand-in
// applied (through the real kustomize) is what drift detection expects, so a clean cluster reports no
// drift. Features drift detection does not reproduce are named in the report instead of compared.
import { beforeAll, describe, expect, it } from 'vitest';
import { findKubectl } from '../../testkit/flux/index.ts';
import type { LocalStack } from '../../testkit/local-stack.ts';
import { checkDrift, kustomization, waitForKs } from '../support/flux.ts';
import { useLocalStack } from '../support/local-stack.ts';

const UNITS = "Slug IN ('namespace','web','web-svc','web-config')";

// Variables in the unit: without postBuild they are applied literally, with it substituted.
const WEB_CONFIG = `apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
  namespace: shop
  labels:
    app: web
data:
  LOG_LEVEL: \${LOG_LEVEL:=info}
  UPSTREAM_API: \${UPSTREAM:-http://api.shop.svc.cluster.local}
  PRICE: "$$5"
`;

interface Case {
  name: string;
  spec: Record<string, unknown>;
  /** What the stand-in applied, proving the feature took effect. */
  applied: (stack: LocalStack, ns: string) => void;
  reproduced: boolean;
}

const configData = (stack: LocalStack, ns: string, name = 'web-config') =>
  (stack.kube.get('configmaps', ns, name) as unknown as { data: Record<string, string> }).data;
const deployment = (stack: LocalStack, ns: string, name = 'web') =>
  stack.kube.get('deployments', ns, name) as unknown as {
    metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
    spec: { replicas: number; template: { spec: { containers: Array<{ image: string }> } } };
  };

const CASES: Case[] = [
  {
    name: 'targetNamespace',
    spec: {},
    applied: (stack, ns) => expect(configData(stack, ns)['LOG_LEVEL']).toBe(`\${LOG_LEVEL:=info}`),
    reproduced: true,
  },
  {
    name: 'images',
    spec: { images: [{ name: 'nginxinc/nginx-unprivileged', newTag: '1.28.0' }] },
    applied: (stack, ns) =>
      expect(deployment(stack, ns).spec.template.spec.containers[0]!.image).toBe(
        'nginxinc/nginx-unprivileged:1.28.0',
      ),
    reproduced: true,
  },
  {
    name: 'commonMetadata',
    spec: { commonMetadata: { labels: { team: 'checkout' }, annotations: { owner: 'shop-team' } } },
    applied: (stack, ns) =>
      expect(deployment(stack, ns).metadata).toMatchObject({
        labels: { team: 'checkout' },
        annotations: { owner: 'shop-team' },
      }),
    reproduced: true,
  },
  {
    name: 'substitute',
    spec: { postBuild: { substitute: { LOG_LEVEL: 'debug' } } },
    applied: (stack, ns) =>
      expect(configData(stack, ns)).toMatchObject({
        LOG_LEVEL: 'debug',
        UPSTREAM_API: 'http://api.shop.svc.cluster.local',
        PRICE: '$5',
      }),
    reproduced: true,
  },
  {
    name: 'substituteFrom',
    spec: {
      postBuild: {
        substituteFrom: [
          { kind: 'ConfigMap', name: 'vars' },
          { kind: 'Secret', name: 'secret-vars' },
          { kind: 'ConfigMap', name: 'absent', optional: true },
        ],
      },
    },
    applied: (stack, ns) =>
      expect(configData(stack, ns)).toMatchObject({
        LOG_LEVEL: 'warn',
        UPSTREAM_API: 'http://secret-upstream',
      }),
    reproduced: true,
  },
  {
    name: 'namePrefix',
    spec: { namePrefix: 'pre-', nameSuffix: '-x' },
    applied: (stack, ns) => expect(configData(stack, ns, 'pre-web-config-x')).toBeDefined(),
    reproduced: false,
  },
  {
    name: 'patches-strategic',
    spec: {
      patches: [
        {
          patch: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 4\n',
          target: { kind: 'Deployment' },
        },
      ],
    },
    applied: (stack, ns) => expect(deployment(stack, ns).spec.replicas).toBe(4),
    reproduced: false,
  },
  {
    name: 'patches-json6902',
    spec: {
      patches: [
        {
          patch: '- op: replace\n  path: /spec/replicas\n  value: 5\n',
          target: { kind: 'Deployment', name: 'web' },
        },
      ],
    },
    applied: (stack, ns) => expect(deployment(stack, ns).spec.replicas).toBe(5),
    reproduced: true,
  },
  {
    name: 'components',
    spec: { components: ['./extras'], ignoreMissingComponents: true },
    applied: (stack, ns) => expect(deployment(stack, ns)).toBeDefined(),
    reproduced: false,
  },
];

describe.skipIf(findKubectl() === undefined)('no false drift for any Kustomization build feature', () => {
  const stack = useLocalStack({ kustomizeController: { pollMs: 50, intervalMs: 3_600_000 } });
  beforeAll(async () => {
    stack.emulator.setUnitData('shop-prod', 'web-config', WEB_CONFIG);
  });

  it.each(CASES)('$name', async ({ name, spec, applied, reproduced }) => {
    const ns = `m-${name.toLowerCase()}`;
    const target = `t-${name.toLowerCase()}`;
    await stack.createRepository(ns, 'shop', { where: UNITS, drift: { mode: 'report' } });
    await stack.waitForReady(ns, 'shop');
    stack.kube.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'vars', namespace: ns },
      data: { LOG_LEVEL: 'warn' },
    });
    stack.kube.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'secret-vars', namespace: ns },
      data: { UPSTREAM: Buffer.from('http://secret-upstream\n').toString('base64') },
    });
    stack.kube.create(kustomization(ns, 'app', 'shop', { targetNamespace: target, ...spec }));
    const ks = await waitForKs(stack, ns, 'app', 'True');
    expect(ks.status!.inventory!.entries.map((e) => e.id)).toContain(`_${target}__Namespace`);
    applied(stack, target);

    const drift = (await checkDrift(stack, ns, 'shop')).status!.drift!;
    expect(drift.items).toEqual([]);
    if (reproduced) {
      expect(drift.source).toBe('inventory');
      expect(drift.summary.objects).toBe(4);
    } else {
      expect(drift.notes).toEqual([
        expect.stringMatching(/^Kustomization\/m-[a-z0-9-]+\/app not compared: .*not reproduced/),
      ]);
    }
  });
});
