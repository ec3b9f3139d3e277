import { describe, expect, it } from 'vitest';
import { findCondition, removeCondition, sameConditions, setCondition } from './conditions.ts';
import type { Condition } from './v1beta1.ts';

const before: Condition = {
  type: 'Ready',
  status: 'False',
  observedGeneration: 1,
  lastTransitionTime: '2026-04-30T09:00:00Z',
  reason: 'UpstreamUnavailable',
  message: '503',
};
const NOW = '2026-05-01T10:00:00Z';

describe('setCondition', () => {
  it.each([
    {
      name: 'a new condition starts its transition now',
      conditions: [],
      input: { type: 'Ready', status: 'True' as const, reason: 'Succeeded', message: 'ok' },
      wantTransition: NOW,
    },
    {
      name: 'the same status keeps its transition time, whatever the reason and message',
      conditions: [before],
      input: { type: 'Ready', status: 'False' as const, reason: 'AuthenticationFailed', message: '401' },
      wantTransition: before.lastTransitionTime,
    },
    {
      name: 'a flipped status transitions now',
      conditions: [before],
      input: { type: 'Ready', status: 'True' as const, reason: 'Succeeded', message: 'ok' },
      wantTransition: NOW,
    },
  ])('$name', (tt) => {
    const [ready] = setCondition(tt.conditions, tt.input, 2, NOW);
    expect(ready).toEqual({ ...tt.input, observedGeneration: 2, lastTransitionTime: tt.wantTransition });
  });

  it('orders Ready, Reconciling, Stalled, then the rest by type', () => {
    let conditions: Condition[] = [];
    for (const type of ['FetchFailed', 'Stalled', 'ArtifactInStorage', 'Ready', 'Reconciling']) {
      conditions = setCondition(conditions, { type, status: 'True', reason: 'r', message: 'm' }, 1, NOW);
    }
    expect(conditions.map((c) => c.type)).toEqual([
      'Ready',
      'Reconciling',
      'Stalled',
      'ArtifactInStorage',
      'FetchFailed',
    ]);
  });

  it('keeps messages to one line, without URL credentials, within the API limit', () => {
    const message = `fetch https://user:pw@hub.test failed:\n${'x'.repeat(40_000)}`;
    const [c] = setCondition([], { type: 'Ready', status: 'False', reason: 'r', message }, 1, NOW);
    expect(c?.message.startsWith('fetch https://hub.test failed: x')).toBe(true);
    expect(c?.message.length).toBe(32_001);
  });
});

describe('removeCondition, findCondition, sameConditions', () => {
  it('remove drops only that type; find reads it', () => {
    const stalled = { ...before, type: 'Stalled', status: 'True' as const };
    expect(removeCondition([before, stalled], 'Stalled')).toEqual([before]);
    expect(findCondition([before, stalled], 'Stalled')).toBe(stalled);
    expect(findCondition(undefined, 'Ready')).toBeUndefined();
  });

  it('sameConditions ignores transition times and order, nothing else', () => {
    const moved = { ...before, lastTransitionTime: NOW };
    const other = { ...before, type: 'FetchFailed' };
    expect(sameConditions([before, other], [other, moved])).toBe(true);
    expect(sameConditions([before], [{ ...before, message: '504' }])).toBe(false);
    expect(sameConditions(undefined, [])).toBe(true);
  });
});

describe('findCondition', () => {
  const conditions = [
    { type: 'Ready', status: 'False', reason: 'Failed' },
    { type: 'Delivered', status: 'True' },
  ];

  it('finds the condition of a type, keeping the caller’s condition shape', () => {
    expect(findCondition(conditions, 'Delivered')).toBe(conditions[1]);
    expect(findCondition(conditions, 'Ready')?.reason).toBe('Failed');
  });

  it('is undefined for a type not listed or a status without conditions', () => {
    expect(findCondition(conditions, 'Stalled')).toBeUndefined();
    expect(findCondition(undefined, 'Ready')).toBeUndefined();
  });
});
