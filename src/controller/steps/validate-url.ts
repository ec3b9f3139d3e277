// spec.url: no credentials in it, and plain HTTP only when spec.insecure says so.
import { Reason } from '../../api/conditions.ts';
import { StalledError } from '../errors.ts';
import type { ReconcileContext } from '../reconcile-context.ts';
import { need } from '../reconcile-context.ts';
import { refuseUrlCredentials } from '../url-check.ts';
import { NEXT, type StepResult } from './runner.ts';

export async function validateUrl(ctx: ReconcileContext): Promise<StepResult> {
  const spec = need(ctx, 'spec');
  refuseUrlCredentials(spec.url);
  if (spec.url.startsWith('http://') && spec.insecure !== true) {
    throw new StalledError(
      Reason.InvalidURL,
      `spec.url '${spec.url}' is plain HTTP: set spec.insecure to true to allow it`,
    );
  }
  return NEXT;
}
