import { describe, expect, it } from 'vitest';
import { ValidationCache } from './validation-cache.ts';

const header = (name: string) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  name,
  position: { line: 1, column: 1 },
});

describe('ValidationCache', () => {
  it('stays within its byte bound, dropping the least recently used entries', () => {
    const cache = new ValidationCache(4096);
    for (let i = 0; i < 200; i++)
      cache.set(`r:${i.toString(16).padStart(64, '0')}`, { ok: true, headers: [header(`cm-${i}`)] });
    expect(cache.bytes).toBeLessThanOrEqual(4096);
    expect(cache.count).toBeGreaterThan(0);
    expect(cache.count).toBeLessThan(200);
    expect(cache.get(`r:${(0).toString(16).padStart(64, '0')}`)).toBeUndefined();
    expect(cache.get(`r:${(199).toString(16).padStart(64, '0')}`)).toEqual({
      ok: true,
      headers: [header('cm-199')],
    });
  });

  it('a read makes an entry the most recent; a refusal is kept like a success', () => {
    const cache = new ValidationCache(1024);
    cache.set('r:a', { ok: false, problem: 'duplicated mapping key "x"' });
    for (let i = 0; i < 50; i++) {
      expect(cache.get('r:a')).toMatchObject({ ok: false });
      cache.set(`r:${i}`, { ok: true, headers: [header(`n${i}`)] });
    }
    expect(cache.get('r:a')).toMatchObject({ ok: false, problem: 'duplicated mapping key "x"' });
  });

  it('never keeps an entry larger than the whole cache', () => {
    const cache = new ValidationCache(200);
    cache.set('r:big', { ok: true, headers: Array.from({ length: 10 }, (_, i) => header(`n${i}`)) });
    expect(cache.count).toBe(0);
    expect(cache.bytes).toBe(0);
  });
});
