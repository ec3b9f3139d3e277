// A small organization for the client tests: two spaces, Kubernetes and other toolchains, a hidden
// backing unit, a tag, two published releases and a withdrawn one.
import type { FixtureInput } from '../../testkit/confighub-emulator/index.ts';

export const TOKEN = 'tok-full-7f3a9c1e5b2d';
export const RESTRICTED_TOKEN = 'tok-staging-4e8b0d6a';
export const WORKER_ID = '88888888-8888-4888-8888-888888888888';
export const WORKER_SECRET = 'ch_workersecret_q2w3e4r5t6y7';
export const PROD_ID = '11111111-1111-4111-8111-111111111111';
export const STAGING_ID = '22222222-2222-4222-8222-222222222222';
export const STABLE_TAG_ID = '44444444-4444-4444-8444-444444444401';

const deployment = (name: string, replicas: number) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
        - name: ${name}
          image: nginx:1.27
`;

const service = (name: string) => `apiVersion: v1
kind: Service
metadata:
  name: ${name}
spec:
  selector: {app: ${name}}
  ports:
    - port: 80
`;

export const WEB_V1 = deployment('web', 1);
export const WEB_V2 = deployment('web', 2);
export const WEB_SVC = service('web');
export const WORKER = deployment('worker', 1);

export const fixture: FixtureInput = {
  epoch: '2026-11-01T10:00:00Z',
  organization: { id: '99999999-9999-4999-8999-999999999999', slug: 'acme', displayName: 'Acme' },
  users: [{ id: '77777777-7777-4777-8777-777777777777', username: 'alice', email: 'alice@example.test' }],
  tokens: [
    { token: TOKEN, user: 'alice' },
    { token: RESTRICTED_TOKEN, user: 'alice', spaces: ['shop-staging'] },
  ],
  workers: [{ id: WORKER_ID, secret: WORKER_SECRET, user: 'alice' }],
  spaces: [
    {
      id: PROD_ID,
      slug: 'shop-prod',
      labels: { env: 'prod' },
      backingUnit: 'space-backing',
      units: [
        {
          id: '33333333-3333-4333-8333-333333333301',
          slug: 'web',
          labels: { app: 'web', tier: 'fe' },
          revisions: [
            { description: 'first', data: WEB_V1 },
            { description: 'scale', data: WEB_V2 },
          ],
        },
        {
          id: '33333333-3333-4333-8333-333333333302',
          slug: 'web-svc',
          labels: { app: 'web' },
          revisions: [{ data: WEB_SVC }],
        },
        {
          id: '33333333-3333-4333-8333-333333333303',
          slug: 'worker',
          labels: { app: 'worker', tier: 'be' },
          revisions: [{ data: WORKER }],
        },
        {
          id: '33333333-3333-4333-8333-333333333304',
          slug: 'settings',
          toolchainType: 'AppConfig/YAML',
          revisions: [{ data: 'feature: on\n' }],
        },
        {
          id: '33333333-3333-4333-8333-333333333305',
          slug: 'space-backing',
          toolchainType: 'ConfigHub/YAML',
          hiddenReason: 'BackingUnit',
          revisions: [{ data: 'kind: Space\n' }],
        },
      ],
      tags: [{ id: STABLE_TAG_ID, slug: 'stable', revisions: { web: 2, 'web-svc': 2 } }],
      releases: [
        {
          id: '55555555-5555-4555-8555-555555555501',
          tagId: '44444444-4444-4444-8444-444444444411',
          revisions: { web: 2, 'web-svc': 2, worker: 2 },
        },
        {
          id: '55555555-5555-4555-8555-555555555502',
          tagId: '44444444-4444-4444-8444-444444444412',
          revisions: { web: 3, 'web-svc': 2 },
        },
        {
          id: '55555555-5555-4555-8555-555555555503',
          tagId: '44444444-4444-4444-8444-444444444413',
          published: false,
          revisions: { web: 3, 'web-svc': 2, worker: 2 },
        },
      ],
    },
    {
      id: STAGING_ID,
      slug: 'shop-staging',
      units: [
        {
          id: '33333333-3333-4333-8333-333333333401',
          slug: 'web',
          labels: { app: 'web' },
          revisions: [{ data: WEB_V1 }],
        },
      ],
    },
  ],
};
