// Size limits with small bounds so they run in seconds; test/chaos/limits.chaos.ts runs the same
// scenarios at the default bounds (10,000 units, 32 MiB per unit, with a 50 MiB unit).
import { describe, it } from 'vitest';
import { useLocalStack } from '../support/local-stack.ts';
import { oversizedUnit, unitCountLimit } from './support/limits.ts';

const MAX_UNITS = 200;
const MAX_UNIT_SIZE = 1 << 20;

const stack = useLocalStack({
  controllerArgs: [`--max-units=${MAX_UNITS}`, `--max-unit-size=${MAX_UNIT_SIZE}`],
});

describe('limits (small bounds)', () => {
  it('a unit above --max-unit-size is refused with LimitExceeded, the last artifact stays', async () => {
    await oversizedUnit(stack, 'big-unit', (3 * MAX_UNIT_SIZE) / 2, MAX_UNIT_SIZE);
  });

  it('a space at --max-units is published; one unit more is refused with LimitExceeded', async () => {
    await unitCountLimit(stack, 'many', MAX_UNITS);
  });
});
