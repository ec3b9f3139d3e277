// The pure parts of the cluster commands: request tokens, kstatus, the reconcile verdict, selectors.
import { describe, expect, it } from 'vitest';
import type { RepositoryObject } from '../../src/api/v1beta1.ts';
import { describeFailure, UsageError } from '../../src/cli/errors.ts';
import { parseStatusSelector } from '../../src/cli/get.ts';
import { handled, kstatus, rfc3339Nano } from '../../src/cli/repositories.ts';
import { parseTimeout } from '../../src/cli/timeout.ts';
import { KubeApiError } from '../../src/kube/errors.ts';

function repository(
  generation: number,
  status: {
    observedGeneration?: number;
    lastHandledReconcileAt?: string;
    conditions?: [string, string, string?][];
  },
  deleting = false,
): RepositoryObject {
  return {
    apiVersion: 'source.confighub.com/v1beta1',
    kind: 'ConfigHubRepository',
    metadata: { name: 'x', generation, ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
    spec: {},
    status: {
      ...(status.observedGeneration !== undefined ? { observedGeneration: status.observedGeneration } : {}),
      ...(status.lastHandledReconcileAt ? { lastHandledReconcileAt: status.lastHandledReconcileAt } : {}),
      conditions: (status.conditions ?? []).map(([type, s, reason]) => ({
        type,
        status: s as 'True',
        reason: reason ?? 'Succeeded',
        message: '',
        lastTransitionTime: '2026-01-01T00:00:00Z',
      })),
    },
  };
}

describe('rfc3339Nano', () => {
  it('formats as Go does, trimming trailing zeros of the fraction', () => {
    const date = new Date('2026-11-30T08:45:12.120Z');
    expect(rfc3339Nano(date, 0)).toBe('2026-11-30T08:45:12.12Z');
    expect(rfc3339Nano(date, 456_789)).toBe('2026-11-30T08:45:12.120456789Z');
    expect(rfc3339Nano(new Date('2026-11-30T08:45:12.000Z'), 0)).toBe('2026-11-30T08:45:12Z');
  });

  it('two tokens taken in a row differ', () => {
    const tokens = new Set(Array.from({ length: 50 }, () => rfc3339Nano()));
    expect(tokens.size).toBe(50);
  });
});

describe('kstatus', () => {
  it.each([
    ['an unobserved generation', repository(2, { observedGeneration: 1 }), 'InProgress'],
    [
      'Reconciling=True',
      repository(1, { observedGeneration: 1, conditions: [['Reconciling', 'True']] }),
      'InProgress',
    ],
    ['Stalled=True', repository(1, { observedGeneration: 1, conditions: [['Stalled', 'True']] }), 'Failed'],
    [
      'Ready=False alone',
      repository(1, { observedGeneration: 1, conditions: [['Ready', 'False']] }),
      'Current',
    ],
    ['Ready=True', repository(1, { observedGeneration: 1, conditions: [['Ready', 'True']] }), 'Current'],
    ['a deletion', repository(1, { observedGeneration: 1 }, true), 'Terminating'],
  ])('%s → %s', (_, object, expected) => {
    expect(kstatus(object)).toBe(expected);
  });
});

describe('handled', () => {
  it('needs the token and a settled status', () => {
    expect(handled(repository(1, { observedGeneration: 1, lastHandledReconcileAt: 'old' }), 'new')).toBe(
      false,
    );
    expect(handled(repository(2, { observedGeneration: 1, lastHandledReconcileAt: 'new' }), 'new')).toBe(
      false,
    );
    expect(handled(repository(1, { observedGeneration: 1, lastHandledReconcileAt: 'new' }), 'new')).toBe(
      true,
    );
    const stalled = repository(2, {
      observedGeneration: 2,
      lastHandledReconcileAt: 'new',
      conditions: [['Stalled', 'True']],
    });
    expect(handled(stalled, 'new')).toBe(true);
  });

  it('treats a failed attempt awaiting its retry as the answer, even before the generation is observed', () => {
    const failed = repository(2, {
      observedGeneration: 1,
      lastHandledReconcileAt: 'new',
      conditions: [
        ['Ready', 'False', 'AuthenticationFailed'],
        ['Reconciling', 'True', 'ProgressingWithRetry'],
      ],
    });
    expect(handled(failed, 'new')).toBe(true);
    const progressing = repository(1, {
      observedGeneration: 1,
      lastHandledReconcileAt: 'new',
      conditions: [['Reconciling', 'True', 'Progressing']],
    });
    expect(handled(progressing, 'new')).toBe(false);
  });
});

describe('parseStatusSelector', () => {
  const ready = repository(1, {
    conditions: [
      ['Ready', 'True'],
      ['ArtifactInStorage', 'True'],
    ],
  });
  const failing = repository(1, { conditions: [['Ready', 'False']] });
  it('matches condition type and status case-insensitively; all terms must match', () => {
    const [readyFalse] = parseStatusSelector('ready=false');
    expect(readyFalse!(failing)).toBe(true);
    expect(readyFalse!(ready)).toBe(false);
    const both = parseStatusSelector('Ready=True, artifactinstorage=TRUE');
    expect(both.every((s) => s(ready))).toBe(true);
    expect(both.every((s) => s(failing))).toBe(false);
    expect(parseStatusSelector('stalled=unknown')[0]!(ready)).toBe(false);
    expect(parseStatusSelector(undefined)).toEqual([]);
  });

  it.each(['ready', 'ready=yes', '=true', 'ready=true,'])('refuses %j as a usage error', (text) => {
    expect(() => parseStatusSelector(text)).toThrow(UsageError);
  });
});

describe('exit codes', () => {
  it('maps usage, flag parsing, API and other errors', () => {
    expect(describeFailure(new UsageError('bad'))).toEqual({ code: 2, message: 'bad' });
    const flagError = Object.assign(new TypeError("Unknown option '--x'"), {
      code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION',
    });
    expect(describeFailure(flagError)).toEqual({ code: 2, message: "Unknown option '--x'" });
    expect(describeFailure(new KubeApiError(403, 'Forbidden', 'leases is forbidden'))).toEqual({
      code: 1,
      message: 'leases is forbidden (Forbidden)',
    });
    expect(describeFailure(new Error('boom'))).toEqual({ code: 1, message: 'boom' });
  });

  it('parses --timeout as a Go duration', () => {
    expect(parseTimeout('90s')).toBe(90_000);
    expect(parseTimeout('1m30s')).toBe(90_000);
    expect(() => parseTimeout('0s')).toThrow(UsageError);
    expect(() => parseTimeout('5 minutes')).toThrow(UsageError);
  });
});
