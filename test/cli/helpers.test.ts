// The pure parts of the cluster commands: request tokens, kstatus, the reconcile verdict, selectors.
import { describe, expect, it } from 'vitest';
import type { RepositoryObject } from '../../src/api/v1beta1.ts';
import { CommandError, describeFailure, UsageError, usageMessage } from '../../src/cli/errors.ts';
import { parseFlags } from '../../src/cli/flags.ts';
import { parseStatusSelector } from '../../src/cli/get.ts';
import { handled, kstatus, parseRepository, rfc3339Nano } from '../../src/cli/repositories.ts';
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

describe('exit codes and messages', () => {
  it('maps usage, API and other errors', () => {
    expect(describeFailure(new UsageError('bad'))).toEqual({ code: 2, message: 'bad' });
    expect(describeFailure(new KubeApiError(403, 'Forbidden', 'leases is forbidden'))).toEqual({
      code: 1,
      message: 'Error from server (Forbidden): leases is forbidden',
    });
    expect(
      describeFailure(
        new KubeApiError(404, 'NotFound', 'confighubrepositories.source.confighub.com "x" not found'),
      ),
    ).toEqual({
      code: 1,
      message: 'Error from server (NotFound): confighubrepositories.source.confighub.com "x" not found',
    });
    // A body that was not a Status: kubectl leaves the reason out.
    expect(describeFailure(new KubeApiError(502, 'Unknown', 'HTTP 502')).message).toBe(
      'Error from server: HTTP 502',
    );
    expect(describeFailure(new Error('boom'))).toEqual({ code: 1, message: 'boom' });
  });

  it('prints a usage error as `<command>: <message>`, the usage lines and where the flags are', () => {
    const help =
      'Usage: confighub-source x NAME\n       confighub-source x --all\n\nDoes x.\n\nFlags:\n  --all\n';
    expect(usageMessage('x', help, 'unknown flag: --y')).toBe(
      [
        'x: unknown flag: --y',
        'Usage: confighub-source x NAME',
        '       confighub-source x --all',
        "Run 'confighub-source x --help' for more.",
        '',
      ].join('\n'),
    );
  });
});

describe('flags', () => {
  const options = {
    output: { type: 'string', short: 'o' },
    wait: { type: 'boolean', default: true },
  } as const;

  it.each([
    [['--bogus'], 'unknown flag: --bogus'],
    [['-x'], 'unknown flag: -x'],
    [['--output'], 'flag needs an argument: --output'],
    [['-o'], 'flag needs an argument: --output'],
    [['--wait=later'], 'flag --wait takes no value (or =true, =false)'],
  ])("%j is a usage error in kubectl's words", (argv, message) => {
    expect(() => parseFlags(argv, options)).toThrow(new UsageError(message));
  });

  it('takes --flag=true|false for booleans, as kubectl and flux do', () => {
    expect(parseFlags(['--wait=false'], options).values.wait).toBe(false);
    expect(parseFlags(['--wait=true'], options).values.wait).toBe(true);
    expect(parseFlags(['--no-wait'], options).values.wait).toBe(false);
    expect(parseFlags([], options).values.wait).toBe(true);
    expect(parseFlags(['--', '--wait=false'], options).positionals).toEqual(['--wait=false']);
  });

  it.each([
    ['90s', 90_000],
    ['1m30s', 90_000],
    ['5m', 300_000],
    ['1.5h', 5_400_000],
    ['500ms', 500],
  ])('--timeout %s is a Flux duration of %i ms', (text, ms) => {
    expect(parseTimeout(text)).toBe(ms);
  });

  it.each(['0s', '5 minutes', '90', '-1m', '1d', ''])('--timeout %j is a usage error', (text) => {
    expect(() => parseTimeout(text)).toThrow(
      new UsageError(`invalid value "${text}" for --timeout: want a duration such as 90s, 1m30s or 1h`),
    );
  });
});

describe('parseRepository', () => {
  const object = (status: unknown) => ({
    apiVersion: 'source.confighub.com/v1beta1',
    kind: 'ConfigHubRepository',
    metadata: { name: 'shop', namespace: 'apps', generation: 2 },
    spec: { suspend: false, space: 'shop-prod' },
    status,
  });

  it("takes what the commands read, leaving the rest to the API server's validation", () => {
    const ok = object({
      conditions: [{ type: 'Ready', status: 'True', reason: 'Succeeded', message: 'ok' }],
      extra: 1,
    });
    expect(parseRepository(ok)).toBe(ok);
    expect(parseRepository(object(undefined)).metadata.name).toBe('shop');
  });

  it.each([
    [
      object({ conditions: [{ type: 'Ready', status: true }] }),
      'status.conditions.0.status: expected a string',
    ],
    [object({ conditions: {} }), 'status.conditions: expected an array'],
    [object({ artifact: { revision: 7 } }), 'status.artifact.revision: expected a string'],
    [{ ...object(undefined), spec: { suspend: 'yes' } }, 'spec.suspend: expected a boolean'],
    [{ metadata: {} }, 'metadata.name: expected a string'],
  ])('names the first field of the wrong kind (%#)', (raw, problem) => {
    const name = (raw as { metadata: { name?: string } }).metadata.name ?? '<unnamed>';
    expect(() => parseRepository(raw)).toThrow(
      new CommandError(`the API returned a malformed ConfigHubRepository "${name}": ${problem}`),
    );
  });
});
