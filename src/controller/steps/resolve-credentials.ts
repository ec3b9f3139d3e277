// The Secrets spec.secretRef and spec.certSecretRef name, read on every poll (never cached or watched,
// as Flux does), and the object's ConfigHub client, rebuilt only when they or the server changed.
import { resolveCredentials as readCredentials } from '../credentials.ts';
import type { ReconcileContext } from '../reconcile-context.ts';
import { need } from '../reconcile-context.ts';
import { NEXT, type StepResult } from './runner.ts';

export async function resolveCredentials(ctx: ReconcileContext): Promise<StepResult> {
  const spec = need(ctx, 'spec');
  const { env } = ctx;
  const credentials = await readCredentials(env.kube, ctx.namespace, spec, env.options.requeueDependencyMs);
  ctx.upstream = env.upstream.get(ctx.key, spec.url, need(ctx, 'timeoutMs'), credentials);
  return NEXT;
}
