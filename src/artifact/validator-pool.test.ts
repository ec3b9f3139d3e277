import { afterEach, describe, expect, it } from 'vitest';
import { BuildLimitError } from './errors.ts';
import { UnitCheckFailure, ValidatorPool } from './validator-pool.ts';

const pools: ValidatorPool[] = [];
function pool(options: ConstructorParameters<typeof ValidatorPool>[0]): ValidatorPool {
  const created = new ValidatorPool(options);
  pools.push(created);
  return created;
}
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

const bytes = (text: string) => Buffer.from(text);
const never = () => new AbortController().signal;
function wideMap(keys: number): Buffer {
  let text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: wide\ndata:\n';
  for (let i = 0; i < keys; i++) text += `  key-${i}: value-${i}\n`;
  return bytes(text);
}

describe('ValidatorPool', () => {
  it('returns the object headers of a valid unit, and a refusal with its position', async () => {
    const validator = pool({ workers: 1, maxHeapMb: 64 });
    const { headers } = await validator.validate(
      bytes('apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\n'),
      false,
      never(),
    );
    expect(headers).toEqual([
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: 'web',
        namespace: 'shop',
        position: { line: 1, column: 1 },
      },
    ]);
    const refused = validator.validate(bytes('a: 1\na: 2\n'), false, never());
    await expect(refused).rejects.toBeInstanceOf(UnitCheckFailure);
    await expect(refused).rejects.toMatchObject({
      message: 'duplicated mapping key "a"',
      position: { line: 2, column: 1 },
    });
    await expect(validator.validate(Uint8Array.of(0xff, 0xfe), false, never())).rejects.toThrow(
      'data is not valid UTF-8',
    );
  });

  it('cancels a running parse by terminating its worker, and goes on with a new one', async () => {
    const validator = pool({ workers: 1, maxHeapMb: 256 });
    const stop = new AbortController();
    const running = validator.validate(wideMap(400_000), false, stop.signal);
    // Queued behind it: must still be served once the running task is cancelled.
    const queued = validator.validate(
      bytes('apiVersion: v1\nkind: A\nmetadata: {name: x}\n'),
      false,
      never(),
    );
    // Dispatch is synchronous: the first task is already running in a worker.
    expect(validator.size).toBe(1);
    stop.abort(new DOMException('budget', 'TimeoutError'));
    await expect(running).rejects.toMatchObject({ name: 'TimeoutError' });
    await expect(queued).resolves.toMatchObject({ headers: [expect.anything()] });
    expect(validator.started).toBe(2);
  });

  it('a unit needing more heap than a worker may use is a BuildLimitError, not a dead process', async () => {
    const validator = pool({ workers: 1, maxHeapMb: 16 });
    const error = await validator.validate(wideMap(300_000), false, never()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BuildLimitError);
    expect((error as Error).message).toMatch(/more than the 16 MiB a validation worker may use/);
    // The pool recovers with a fresh worker.
    await expect(
      validator.validate(bytes('apiVersion: v1\nkind: A\nmetadata: {name: x}\n'), false, never()),
    ).resolves.toMatchObject({ headers: [expect.anything()] });
  });

  it('stops idle workers, so an idle controller holds none', async () => {
    const validator = pool({ workers: 2, maxHeapMb: 64, idleMs: 10 });
    await validator.validate(bytes('apiVersion: v1\nkind: A\nmetadata: {name: x}\n'), false, never());
    // Bounded generously: the default 1 s is not enough on a loaded machine.
    await expect.poll(() => validator.size, { timeout: 20_000 }).toBe(0);
  });

  it('runs tasks on at most `workers` threads', async () => {
    const validator = pool({ workers: 2, maxHeapMb: 64 });
    const unit = bytes('apiVersion: v1\nkind: A\nmetadata: {name: x}\n');
    await Promise.all(Array.from({ length: 10 }, () => validator.validate(unit, false, never())));
    expect(validator.started).toBeLessThanOrEqual(2);
  });
});
