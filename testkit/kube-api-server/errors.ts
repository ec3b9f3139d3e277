// Kubernetes `Status` failures, shaped and worded like kube-apiserver's (k8s.io/apimachinery errors).

export type StatusReason =
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'Gone'
  | 'Expired'
  | 'UnsupportedMediaType'
  | 'MethodNotAllowed'
  | 'BadRequest'
  | 'InternalError'
  | 'TooManyRequests'
  | 'ServiceUnavailable'
  | 'Unauthorized'
  | 'Forbidden'
  | 'Timeout'
  | 'NotAcceptable';

export interface StatusCause {
  reason: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: StatusReason;
  details?: StatusDetails;
  code: number;
}

/** A failure the router turns into a `Status` response. */
export class ApiError extends Error {
  readonly code: number;
  readonly reason: StatusReason;
  readonly details: StatusDetails | undefined;

  constructor(code: number, reason: StatusReason, message: string, details?: StatusDetails) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.reason = reason;
    this.details = details;
  }

  toStatus(): StatusBody {
    const body: StatusBody = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      code: this.code,
    };
    if (this.details) body.details = this.details;
    return body;
  }
}

/** `group` and `resource` as the real messages print them: `confighubrepositories.source.confighub.com`. */
export interface GroupResource {
  group: string;
  plural: string;
  kind?: string;
}

const qualified = (gr: GroupResource): string => (gr.group ? `${gr.plural}.${gr.group}` : gr.plural);
const kindDetails = (gr: GroupResource, name: string): StatusDetails => ({
  name,
  group: gr.group,
  kind: gr.plural,
});

export const notFound = (gr: GroupResource, name: string): ApiError =>
  new ApiError(404, 'NotFound', `${qualified(gr)} "${name}" not found`, kindDetails(gr, name));

export const alreadyExists = (gr: GroupResource, name: string): ApiError =>
  new ApiError(409, 'AlreadyExists', `${qualified(gr)} "${name}" already exists`, kindDetails(gr, name));

export const conflict = (gr: GroupResource, name: string, why: string): ApiError =>
  new ApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualified(gr)} "${name}": ${why}`,
    kindDetails(gr, name),
  );

export const STALE_RV =
  'the object has been modified; please apply your changes to the latest version and try again';

export const badRequest = (message: string): ApiError => new ApiError(400, 'BadRequest', message);

export const methodNotAllowed = (): ApiError =>
  new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');

export const unsupportedMediaType = (contentType: string, accepted: string[]): ApiError =>
  new ApiError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
    contentType
      ? { causes: [{ reason: 'UnexpectedHeader', message: contentType, field: 'Content-Type' }] }
      : undefined,
  );

export const gone = (message: string): ApiError => new ApiError(410, 'Expired', message);

export const internalError = (message: string): ApiError =>
  new ApiError(500, 'InternalError', `Internal error occurred: ${message}`);

/** 422 Invalid: `Kind.group "name" is invalid: [cause, cause]`, one entry per field error. */
export const invalid = (kind: string, group: string, name: string, causes: StatusCause[]): ApiError => {
  const qualifiedKind = group ? `${kind}.${group}` : kind;
  const rendered = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message));
  const list = rendered.length === 1 ? rendered[0] : `[${rendered.join(', ')}]`;
  return new ApiError(422, 'Invalid', `${qualifiedKind} "${name}" is invalid: ${list}`, {
    name,
    group,
    kind,
    causes,
  });
};
