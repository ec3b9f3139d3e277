// Size limits at the controller's default bounds: a 50 MiB unit against --max-unit-size 32 MiB, and a
// space of 10,000 units (--max-units) published, then refused at 10,001.
import { describe, it } from 'vitest';
import { oversizedUnit, unitCountLimit } from '../reliability/support/limits.ts';
import { useLocalStack } from '../support/local-stack.ts';

const stack = useLocalStack();

describe('limits (default bounds)', () => {
  it('a 50 MiB unit is refused with LimitExceeded naming the unit and the 32 MiB limit', async () => {
    await oversizedUnit(stack, 'big-unit', 50 << 20, 32 << 20);
  });

  it('a space of 10,000 units is published; 10,001 is refused with LimitExceeded', async () => {
    const { publishMs } = await unitCountLimit(stack, 'many', 10_000);
    console.log(JSON.stringify({ units: 10_000, publishMs }));
  });
});
