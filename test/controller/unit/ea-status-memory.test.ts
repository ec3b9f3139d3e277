// Which ExternalArtifact statuses count as our own writes, so that their watch events start nothing.
import { describe, expect, it } from 'vitest';
import { EaStatusMemory } from '../../../src/controller/ea-status-memory.ts';

const ready = { conditions: [{ type: 'Ready', status: 'True' }], artifact: { revision: 'a' } };
const failing = { conditions: [{ type: 'Ready', status: 'False' }], artifact: { revision: 'a' } };
const edited = { conditions: [{ type: 'Ready', status: 'True' }], artifact: { revision: 'elsewhere' } };

describe('EaStatusMemory', () => {
  it('knows nothing it did not write', () => {
    expect(new EaStatusMemory().matches('ns', 'a', ready)).toBe(false);
  });

  it('takes the late echo of the write before the last one for its own', () => {
    const memory = new EaStatusMemory();
    memory.remember('ns', 'a', ready);
    memory.remember('ns', 'a', failing);
    expect(memory.matches('ns', 'a', failing)).toBe(true);
    expect(memory.matches('ns', 'a', ready)).toBe(true);
    expect(memory.matches('ns', 'a', edited)).toBe(false);
  });

  it('forgets writes older than the last two, and everything once forgotten', () => {
    const memory = new EaStatusMemory();
    memory.remember('ns', 'a', edited);
    memory.remember('ns', 'a', ready);
    memory.remember('ns', 'a', failing);
    expect(memory.matches('ns', 'a', edited)).toBe(false);
    memory.forget('ns', 'a');
    expect(memory.matches('ns', 'a', failing)).toBe(false);
  });

  it('writing the same status again keeps the one before it', () => {
    const memory = new EaStatusMemory();
    memory.remember('ns', 'a', ready);
    memory.remember('ns', 'a', failing);
    memory.remember('ns', 'a', failing);
    expect(memory.matches('ns', 'a', ready)).toBe(true);
  });
});
