import { describe, expect, it } from 'vitest';
import { isDigest, makeRevision, parseDigest, REVISION_PATTERN, sha256Digest } from './digest.ts';
import { DigestError } from './errors.ts';

const EMPTY = 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

describe('digests', () => {
  it('hashes bytes into the sha256:<hex> form', () => {
    expect(sha256Digest(new Uint8Array())).toBe(EMPTY);
    expect(sha256Digest(Buffer.from('abc'))).toBe(
      'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('parses only lowercase sha256 digests of exact length', () => {
    expect(parseDigest(EMPTY)).toEqual({ algorithm: 'sha256', hex: EMPTY.slice(7) });
    for (const bad of [
      '',
      EMPTY.toUpperCase(),
      EMPTY.slice(0, -1),
      `${EMPTY}0`,
      EMPTY.slice(7),
      `sha512:${EMPTY.slice(7)}`,
    ]) {
      expect(isDigest(bad)).toBe(false);
      expect(() => parseDigest(bad)).toThrow(DigestError);
    }
  });
});

describe('makeRevision', () => {
  it('builds <ref>@sha256:<hex> with exactly one colon', () => {
    const revision = makeRevision('head', EMPTY);
    expect(revision).toBe(`head@${EMPTY}`);
    expect(revision).toMatch(REVISION_PATTERN);
    expect(revision.split(':')).toHaveLength(2);
    expect(revision.split(':')[1]!.length).toBeGreaterThanOrEqual(12);
    expect(makeRevision('release-12', EMPTY)).toBe(`release-12@${EMPTY}`);
  });

  it.each(['', 'a@b', 'tag:v1', 'has space', 'new\nline', 'caf\u00e9', 'x'.repeat(129)])(
    'refuses ref %j',
    (ref) => {
      expect(() => makeRevision(ref, EMPTY)).toThrow(DigestError);
    },
  );

  it('refuses a malformed digest', () => {
    expect(() => makeRevision('head', 'sha256:abc')).toThrow(/sha256:<64 lowercase hex digits>/);
  });
});
