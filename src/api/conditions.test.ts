import { describe, expect, it } from 'vitest';
import { findCondition } from './conditions.ts';

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
