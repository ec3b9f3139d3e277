// validateSpec and validateUrl: what stalls before anything is fetched.
import { describe, expect, it } from 'vitest';
import { StalledError } from '../../../src/controller/errors.ts';
import { NEXT } from '../../../src/controller/steps/runner.ts';
import { validateSpec } from '../../../src/controller/steps/validate-spec.ts';
import { validateUrl } from '../../../src/controller/steps/validate-url.ts';
import { fakes, reconcileContext, repository, spec } from './fakes.ts';

describe('validateSpec', () => {
  it('records the spec and its durations (timeout defaulted)', async () => {
    const ctx = reconcileContext(fakes(), repository({ spec: spec({ interval: '1h30m' }) }));
    expect(await validateSpec(ctx)).toEqual(NEXT);
    expect(ctx.intervalMs).toBe(5_400_000);
    expect(ctx.timeoutMs).toBe(60_000);
    expect(ctx.spec).toMatchObject({ space: 'shop-prod', toolchains: ['Kubernetes/YAML'] });
  });

  it.each([
    { name: 'a bad interval', spec: spec({ interval: 'often' }), message: /^invalid spec: spec\.interval: / },
    { name: 'no space', spec: { interval: '1m', secretRef: { name: 's' } }, message: /spec\.space/ },
    { name: 'no spec at all', spec: undefined, message: /^invalid spec: / },
  ])('stalls InvalidSpec on $name', async (tt) => {
    const ctx = reconcileContext(fakes(), { ...repository(), spec: tt.spec });
    const error = await validateSpec(ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StalledError);
    expect(error).toMatchObject({ reason: 'InvalidSpec', message: expect.stringMatching(tt.message) });
    expect(ctx.spec).toBeUndefined();
  });
});

describe('validateUrl', () => {
  it.each([
    { name: 'https', url: 'https://hub.test', insecure: undefined, want: undefined },
    { name: 'http with spec.insecure', url: 'http://hub.test', insecure: true, want: undefined },
    {
      name: 'http without spec.insecure',
      url: 'http://hub.test',
      insecure: undefined,
      want: "spec.url 'http://hub.test' is plain HTTP: set spec.insecure to true to allow it",
    },
    {
      name: 'credentials in the URL (not repeated in the message)',
      url: 'https://user:pw@hub.test',
      insecure: undefined,
      want: 'spec.url carries credentials (user or password before "@"): remove them and put the token in the Secret named by spec.secretRef',
    },
  ])('$name', async (tt) => {
    const ctx = reconcileContext(fakes());
    // Set directly: the CRD pattern would refuse some of these before this step sees them.
    ctx.spec = { ...(await validSpec()), url: tt.url, ...(tt.insecure ? { insecure: true } : {}) };
    const result = await validateUrl(ctx).catch((e: unknown) => e);
    if (tt.want === undefined) {
      expect(result).toEqual(NEXT);
    } else {
      expect(result).toBeInstanceOf(StalledError);
      expect(result).toMatchObject({ reason: 'InvalidURL', message: tt.want });
    }
  });

  it('needs validateSpec before it', async () => {
    await expect(validateUrl(reconcileContext(fakes()))).rejects.toThrow(
      "reconcile steps out of order: 'spec' is not known yet",
    );
  });
});

async function validSpec() {
  const ctx = reconcileContext(fakes(), repository());
  await validateSpec(ctx);
  return ctx.spec!;
}
