// classify: every error the steps can end with, and what it means for conditions, events, logs and requeue.
import { describe, expect, it } from 'vitest';
import { BuildLimitError, InvalidUnitError, StorageError } from '../../../src/artifact/index.ts';
import {
  AuthenticationFailedError,
  ConfigHubError,
  InvalidFilterError,
  SpaceNotFoundError,
  UpstreamUnavailableError,
} from '../../../src/confighub/index.ts';
import {
  classifyError,
  type FailureSite,
  requeueFor,
  requeueForApiFailure,
} from '../../../src/controller/classify.ts';
import { StalledError, TransientError, WaitingError } from '../../../src/controller/errors.ts';
import { ExternalArtifactConflictError } from '../../../src/controller/external-artifact.ts';
import { KubeApiError } from '../../../src/kube/errors.ts';

const at = (step: FailureSite['step']): FailureSite => ({
  step,
  namespace: 'team-a',
  name: 'shop',
  listing: { spaceSlug: 'shop-prod', refId: 'head' },
});
const limits = { maxRetryDelayMs: 900_000, intervalMs: 600_000 };

describe('classifyError', () => {
  const cases = [
    {
      name: 'a StalledError stalls',
      error: new StalledError('InvalidSpec', 'invalid spec: spec.interval: bad'),
      site: at('validateSpec'),
      want: { disposition: 'stalled', reason: 'InvalidSpec', message: 'invalid spec: spec.interval: bad' },
      outcome: { kind: 'done' },
    },
    {
      name: 'a WaitingError waits, quietly',
      error: new WaitingError('GatesPending', 'held', 300_000),
      site: at('build'),
      want: { disposition: 'waiting', reason: 'GatesPending', event: 'Normal', logLevel: 'info' },
      outcome: { kind: 'requeueAfter', ms: 300_000 },
    },
    {
      name: 'a TransientError retries after the delay it carries',
      error: new TransientError('FetchFailed', 'SecretNotFound', "Secret 'team-a/s' not found", 30_000),
      site: at('credentials'),
      want: {
        disposition: 'retry',
        condition: 'FetchFailed',
        reason: 'SecretNotFound',
        retryAfterMs: 30_000,
      },
      outcome: { kind: 'backoff', retryAfterMs: 30_000 },
    },
    {
      name: "a retryable ConfigHub error retries, honouring the server's Retry-After",
      error: new UpstreamUnavailableError('GET /api/space/{space_id}/unit: 429', {
        status: 429,
        retryAfterMs: 120_000,
      }),
      site: at('list'),
      want: {
        disposition: 'retry',
        condition: 'FetchFailed',
        reason: 'UpstreamUnavailable',
        message: 'failed to fetch from ConfigHub: GET /api/space/{space_id}/unit: 429',
        retryAfterMs: 120_000,
      },
      outcome: { kind: 'backoff', retryAfterMs: 120_000 },
    },
    {
      name: 'a Retry-After beyond max(--max-retry-delay, interval) is capped',
      error: new UpstreamUnavailableError('503', { status: 503, retryAfterMs: 7_200_000 }),
      site: at('list'),
      want: { disposition: 'retry', retryAfterMs: 7_200_000 },
      outcome: { kind: 'backoff', retryAfterMs: 900_000 },
    },
    {
      name: 'a rejected credential is not retryable, but the fix is in a Secret: backoff, no stall',
      error: new AuthenticationFailedError('the credential was rejected (401)', { status: 401 }),
      site: at('list'),
      want: {
        disposition: 'retry',
        condition: 'FetchFailed',
        reason: 'AuthenticationFailed',
        retryAfterMs: undefined,
      },
      outcome: { kind: 'backoff', retryAfterMs: undefined },
    },
    {
      name: 'a missing space likewise: it may be created',
      error: new SpaceNotFoundError("no space with slug 'shop-prod'", { status: 404 }),
      site: at('list'),
      want: { disposition: 'retry', reason: 'SpaceNotFound' },
      outcome: { kind: 'backoff', retryAfterMs: undefined },
    },
    {
      name: 'a filter ConfigHub rejects stalls: only a spec change helps',
      error: new InvalidFilterError('ConfigHub rejected the query (400)', { status: 400 }),
      site: at('list'),
      want: {
        disposition: 'stalled',
        reason: 'InvalidFilter',
        message: 'failed to fetch from ConfigHub: ConfigHub rejected the query (400)',
        event: 'Warning',
        logLevel: 'error',
      },
      outcome: { kind: 'done' },
    },
    {
      name: 'a spec reason on a retryable error is retried: retryability comes first',
      error: new ConfigHubError('InvalidURL', true, 'flaky'),
      site: at('list'),
      want: { disposition: 'retry', reason: 'InvalidURL' },
      outcome: { kind: 'backoff', retryAfterMs: undefined },
    },
    {
      name: 'a storage failure while verifying',
      error: new StorageError('StatOperationFailed', 'cannot read x: EIO'),
      site: at('verifyStorage'),
      want: {
        disposition: 'retry',
        condition: 'StorageOperationFailed',
        reason: 'StatOperationFailed',
        message: 'storage operation failed: cannot read x: EIO',
      },
      outcome: { kind: 'backoff', retryAfterMs: undefined },
    },
    {
      name: 'a storage failure while building',
      error: new StorageError('ArchiveOperationFailed', 'cannot write x: ENOSPC'),
      site: at('build'),
      want: {
        disposition: 'retry',
        condition: 'StorageOperationFailed',
        reason: 'ArchiveOperationFailed',
        message: 'failed to store artifact: cannot write x: ENOSPC',
      },
      outcome: { kind: 'backoff', retryAfterMs: undefined },
    },
    {
      name: 'a refused unit names the space, and keeps the last artifact',
      error: new InvalidUnitError('web', 'bad indentation', { line: 2, column: 3 }),
      site: at('build'),
      want: {
        disposition: 'retry',
        condition: 'FetchFailed',
        reason: 'InvalidUnit',
        message:
          "space 'shop-prod' (head) was refused, the last artifact stays published: " +
          'unit "web" is not valid Kubernetes YAML at line 2, column 3: bad indentation',
      },
      outcome: { kind: 'backoff', retryAfterMs: undefined },
    },
    {
      name: 'a build over a limit the controller sets itself',
      error: new BuildLimitError('no build memory came free'),
      site: at('build'),
      want: {
        disposition: 'retry',
        condition: 'FetchFailed',
        reason: 'LimitExceeded',
        message:
          "space 'shop-prod' (head) was not built, the last artifact stays published: no build memory came free",
      },
      outcome: { kind: 'backoff', retryAfterMs: undefined },
    },
    {
      name: 'an ExternalArtifact that belongs to someone else: only Ready says so',
      error: new ExternalArtifactConflictError('already exists and is managed by another'),
      site: at('publish'),
      want: { disposition: 'retry', condition: undefined, reason: 'ExternalArtifactConflict' },
      outcome: { kind: 'backoff', retryAfterMs: undefined },
    },
    {
      name: 'an ExternalArtifact write the API server throttled, between polls too',
      error: new KubeApiError(429, 'TooManyRequests', 'slow down', 5000),
      site: at('skipUntilDue'),
      want: {
        disposition: 'retry',
        condition: undefined,
        reason: 'PatchOperationFailed',
        message: "failed to update ExternalArtifact 'team-a/shop': 429 TooManyRequests: slow down",
        retryAfterMs: 5000,
      },
      outcome: { kind: 'backoff', retryAfterMs: 5000 },
    },
    {
      name: 'anything else is unexpected: Failed, retried',
      error: new TypeError('x is undefined'),
      site: at('list'),
      want: {
        disposition: 'retry',
        condition: undefined,
        reason: 'Failed',
        message: 'x is undefined',
        unexpected: true,
      },
      outcome: { kind: 'backoff', retryAfterMs: undefined },
    },
  ];
  it.each(cases)('$name', (tt) => {
    const failure = classifyError(tt.error, tt.site);
    expect(failure).toMatchObject(tt.want);
    // Events and logs follow the disposition.
    expect(failure.event).toBe(failure.disposition === 'waiting' ? 'Normal' : 'Warning');
    expect(failure.logLevel).toBe(failure.disposition === 'waiting' ? 'info' : 'error');
    expect(failure.unexpected).toBe(tt.want.unexpected === true);
    expect(requeueFor(failure, limits)).toEqual(tt.outcome);
  });

  it('the interval raises the cap on a Retry-After when it is above --max-retry-delay', () => {
    const failure = classifyError(
      new UpstreamUnavailableError('503', { retryAfterMs: 7_200_000 }),
      at('list'),
    );
    expect(requeueFor(failure, { maxRetryDelayMs: 900_000, intervalMs: 3_600_000 })).toEqual({
      kind: 'backoff',
      retryAfterMs: 3_600_000,
    });
  });
});

describe('requeueForApiFailure', () => {
  it.each([
    {
      name: "the API server's Retry-After",
      error: new KubeApiError(429, 'TooManyRequests', 'x', 2000),
      want: 2000,
    },
    {
      name: 'capped at --max-retry-delay',
      error: new KubeApiError(503, 'ServiceUnavailable', 'x', 3_600_000),
      want: 900_000,
    },
    { name: 'none for other errors', error: new Error('socket hang up'), want: undefined },
  ])('$name', (tt) => {
    expect(requeueForApiFailure(tt.error, 900_000)).toEqual({ kind: 'backoff', retryAfterMs: tt.want });
  });
});
