// SelfSubjectAccessReview (authorization.k8s.io/v1), which `kubectl auth can-i` sends: the server
// answers whether the requesting user may do what the spec describes. Every authenticated user may
// ask, as the real bootstrap policy (system:basic-user) allows.

import { badRequest } from './errors.ts';
import type { RequestAttributes } from './request-info.ts';

export const ACCESS_REVIEW_PATH = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';

interface ReviewSpec {
  resourceAttributes?: {
    namespace?: string;
    verb?: string;
    group?: string;
    version?: string;
    resource?: string;
    subresource?: string;
    name?: string;
  };
  nonResourceAttributes?: { path?: string; verb?: string };
}

export const reviewAttributes = (body: unknown): RequestAttributes => {
  const spec = ((body ?? {}) as { spec?: ReviewSpec }).spec ?? {};
  const resource = spec.resourceAttributes;
  if (resource) {
    return {
      resourceRequest: true,
      verb: resource.verb ?? '',
      group: resource.group ?? '',
      version: resource.version ?? '',
      resource: resource.resource ?? '',
      subresource: resource.subresource || undefined,
      namespace: resource.namespace || undefined,
      name: resource.name || undefined,
    };
  }
  const nonResource = spec.nonResourceAttributes;
  if (nonResource)
    return { resourceRequest: false, verb: nonResource.verb ?? '', path: nonResource.path ?? '' };
  throw badRequest('exactly one of nonResourceAttributes or resourceAttributes must be specified');
};

export const reviewResponse = (
  body: unknown,
  decision: { allowed: boolean; reason: string },
): Record<string, unknown> => ({
  kind: 'SelfSubjectAccessReview',
  apiVersion: 'authorization.k8s.io/v1',
  metadata: { creationTimestamp: null },
  spec: (body as { spec?: unknown }).spec,
  status: { allowed: decision.allowed, ...(decision.reason ? { reason: decision.reason } : {}) },
});
