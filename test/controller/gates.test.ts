// Gate policy over the emulator: a head revision ConfigHub would not release is held (the last artifact
// stays published, Ready=False names the units and gates); spec.gates.mode: ignore publishes and says so.
import { beforeAll, describe, expect, it } from 'vitest';
import { useLocalStack } from '../support/local-stack.ts';
import { CHR, condition, download, EA, type Repo, sha256 } from '../support/repositories.ts';

const stack = useLocalStack();

const PLACEHOLDERS = [
  'apiVersion: v1',
  'kind: ConfigMap',
  'metadata:',
  '  name: web-config',
  'data:',
  '  host: confighubplaceholderhost.example.com',
  '  port: 999999999',
  '  code: "999999999" # a string, not the placeholder',
  '',
].join('\n');

let touches = 0;
/** A new head for a unit, so the listing changes and the controller builds again. */
function touch(unit: string, extra = ''): void {
  const current = stack.emulator.getUnit('shop-prod', unit).text;
  stack.emulator.setUnitData('shop-prod', unit, `${current}${extra}# touched ${++touches}\n`);
}

async function expectServed(repo: Repo, digest: string): Promise<void> {
  expect(repo.status!.artifact!.digest).toBe(digest);
  const served = await download(repo.status!.artifact!.url);
  expect(served.status).toBe(200);
  expect(sha256(served.bytes)).toBe(digest);
  const ea = stack.kube.get(EA, 'gates', 'held') as Repo | undefined;
  if (ea !== undefined) expect(ea.status?.artifact?.digest).toBe(digest);
}

describe('gates.mode: hold (the default)', () => {
  let published: Repo;
  let round = 0;
  const reconcile = () => stack.requestReconcile('gates', 'held', `r${++round}`);

  beforeAll(async () => {
    await stack.createRepository('gates', 'held');
    published = await stack.waitForReady('gates', 'held');
  });

  it('holds a revision with validation errors, naming the unit and gate, and keeps serving the last artifact', async () => {
    stack.emulator.setUnitValidationErrors('shop-prod', 'web', { 'vet-schemas': true });
    touch('web');
    reconcile();
    const held = await stack.waitForCondition('gates', 'held', 'Ready', 'False', 'ValidationFailed');
    const message = condition(held, 'Ready')!.message;
    expect(message).toContain('web: ValidationFailed (vet-schemas)');
    expect(message).toContain('The last artifact stays published');
    expect(message).toContain('spec.gates.mode: ignore');
    expect(condition(held, 'ArtifactOutdated')?.status).toBe('True');
    await expectServed(held, published.status!.artifact!.digest);
    expect(held.status!.fetched!.fingerprint).toBe(published.status!.fetched!.fingerprint);
    stack.emulator.setUnitValidationErrors('shop-prod', 'web', {});
  });

  it('holds while an apply gate is open and publishes once it clears', async () => {
    stack.emulator.setUnitApplyGates('shop-prod', 'web-svc', { 'pending-trigger': true });
    touch('web-svc');
    reconcile();
    const held = await stack.waitForCondition('gates', 'held', 'Ready', 'False', 'GatesPending');
    expect(condition(held, 'Ready')!.message).toContain('web-svc: GatesPending (pending-trigger)');
    await expectServed(held, published.status!.artifact!.digest);

    stack.emulator.setUnitApplyGates('shop-prod', 'web-svc', {});
    reconcile();
    const ready = await stack.waitForReady(
      'gates',
      'held',
      (r) => r.status!.artifact!.digest !== published.status!.artifact!.digest,
    );
    expect(condition(ready, 'ArtifactOutdated')).toBeUndefined();
    published = ready;
  });

  it('holds data with unresolved placeholders, naming unit, line and column', async () => {
    const clean = stack.emulator.getUnit('shop-prod', 'web-config').text;
    stack.emulator.setUnitData('shop-prod', 'web-config', PLACEHOLDERS);
    reconcile();
    const held = await stack.waitForCondition('gates', 'held', 'Ready', 'False', 'UnresolvedPlaceholders');
    expect(condition(held, 'Ready')!.message).toContain(
      'web-config: UnresolvedPlaceholders (confighubplaceholderhost at line 6, column 9; 999999999 at line 7, column 9)',
    );
    await expectServed(held, published.status!.artifact!.digest);
    expect(condition(held, 'Ready')!.message).not.toContain('line 8');
    stack.emulator.setUnitData('shop-prod', 'web-config', clean);
  });

  it('clears an earlier fetch failure when a revision is held', async () => {
    const remove = stack.emulator.injectFault({ route: /\/unit$/, kind: 'status', status: 500 });
    reconcile();
    await stack.waitForCondition('gates', 'held', 'FetchFailed', 'True');
    remove();
    stack.emulator.setUnitApplyGates('shop-prod', 'web-svc', { 'pending-trigger': true });
    touch('web-svc');
    reconcile();
    const held = await stack.waitForCondition('gates', 'held', 'Ready', 'False', 'GatesPending');
    expect(condition(held, 'FetchFailed')).toBeUndefined();
    expect(condition(held, 'Reconciling')).toBeUndefined();
    await expectServed(held, published.status!.artifact!.digest);
    stack.emulator.setUnitApplyGates('shop-prod', 'web-svc', {});
    reconcile();
    published = await stack.waitForReady(
      'gates',
      'held',
      (r) => r.status!.artifact!.digest !== held.status!.artifact!.digest,
    );
  });

  it('names the most pressing reason first when several apply', async () => {
    stack.emulator.setUnitApplyGates('shop-prod', 'web-hpa', { 'pending-trigger': true });
    touch('web-hpa');
    reconcile();
    const held = await stack.waitForCondition('gates', 'held', 'Ready', 'False', 'GatesPending');
    // Held on the listing alone: the placeholders are not downloaded to find a second reason.
    expect(condition(held, 'Ready')!.message).toContain('web-hpa: GatesPending');
    stack.emulator.setUnitApplyGates('shop-prod', 'web-hpa', {});
  });
});

describe('a held revision on a short interval', () => {
  it('is checked again every interval and published once its pending gate clears, with no request', async () => {
    await stack.createRepository('gates', 'polling', { interval: '1s' });
    const first = await stack.waitForReady('gates', 'polling');
    stack.emulator.setUnitApplyGates('shop-prod', 'web-svc', { 'pending-trigger': true });
    touch('web-svc');
    await stack.waitForCondition('gates', 'polling', 'Ready', 'False', 'GatesPending');
    stack.emulator.setUnitApplyGates('shop-prod', 'web-svc', {});
    const published = await stack.waitForReady(
      'gates',
      'polling',
      (r) => r.status!.artifact!.digest !== first.status!.artifact!.digest,
    );
    expect(published.metadata.annotations?.['reconcile.fluxcd.io/requestedAt']).toBeUndefined();
    stack.kube.delete(CHR, 'gates', 'polling');
  });
});

describe('gates.mode: ignore', () => {
  it('publishes a gated revision and lists what it ignored in status', async () => {
    stack.emulator.setUnitValidationErrors('shop-prod', 'namespace', { 'vet-policy': true });
    const clean = stack.emulator.getUnit('shop-prod', 'web-config').text;
    stack.emulator.setUnitData('shop-prod', 'web-config', PLACEHOLDERS);
    await stack.createRepository('gates', 'ignored', { gates: { mode: 'ignore' } });
    const repo = await stack.waitForReady('gates', 'ignored');
    const message = condition(repo, 'Ready')!.message;
    expect(message).toContain('published despite gates (spec.gates.mode: ignore)');
    expect(message).toContain('namespace: ValidationFailed (vet-policy)');
    expect(message).toContain(
      'web-config: UnresolvedPlaceholders (confighubplaceholderhost at line 6, column 9',
    );
    expect(repo.status!.fetched!.ignoredGates).toEqual(
      expect.arrayContaining(['namespace: ValidationFailed (vet-policy)']),
    );
    const object = stack.kube.get(CHR, 'gates', 'ignored') as Repo;
    expect(object.spec['gates']).toEqual({ mode: 'ignore' });
    stack.emulator.setUnitValidationErrors('shop-prod', 'namespace', {});
    stack.emulator.setUnitData('shop-prod', 'web-config', clean);
  });
});
