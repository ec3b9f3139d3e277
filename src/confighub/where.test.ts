import { describe, expect, it } from 'vitest';
import { InvalidFilterError } from './errors.ts';
import { andWhere, batchInClauses, checkUserWhere, inList, MAX_WHERE_LENGTH, quoteLiteral } from './where.ts';

describe('quoteLiteral', () => {
  it('quotes plain values', () => {
    expect(quoteLiteral('shop-prod', 'space slug')).toBe("'shop-prod'");
    expect(quoteLiteral('', 'x')).toBe("''");
  });

  it.each(["it's", 'back\\slash'])('refuses %j, which ConfigHub cannot express', (value) => {
    expect(() => quoteLiteral(value, 'label value')).toThrow(InvalidFilterError);
    expect(() => quoteLiteral(value, 'label value')).toThrow(/label value .* quote or backslash/);
  });
});

describe('inList and andWhere', () => {
  it('builds an IN clause and joins non-empty clauses with AND', () => {
    expect(inList('ToolchainType', ['Kubernetes/YAML', 'AppConfig/YAML'], 'toolchain')).toBe(
      "ToolchainType IN ('Kubernetes/YAML','AppConfig/YAML')",
    );
    expect(andWhere("Labels.app = 'web'", undefined, ' ', "ToolchainType IN ('K')")).toBe(
      "Labels.app = 'web' AND ToolchainType IN ('K')",
    );
    expect(andWhere()).toBe('');
  });

  it('rejects a combined expression above the server cap', () => {
    const long = `Slug = '${'a'.repeat(MAX_WHERE_LENGTH)}'`;
    expect(() => andWhere(long, 'X = 1')).toThrow(/at most 8192/);
  });
});

describe('checkUserWhere', () => {
  it('trims and accepts ordinary expressions', () => {
    expect(checkUserWhere("  Labels.tier = 'fe' ")).toBe("Labels.tier = 'fe'");
  });

  it('rejects backslashes and overlong expressions', () => {
    expect(() => checkUserWhere("Slug = 'a\\'")).toThrow(/backslash/);
    expect(() => checkUserWhere('x'.repeat(MAX_WHERE_LENGTH + 1))).toThrow(/8193 characters/);
  });

  it('rejects an unterminated literal, which would swallow the clauses appended after it', () => {
    expect(() => checkUserWhere("Slug = 'web")).toThrow(/unterminated quoted literal/);
    expect(checkUserWhere("Slug = 'it''s'")).toBe("Slug = 'it''s'");
  });
});

describe('batchInClauses', () => {
  const ids = Array.from({ length: 500 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
  const prefix = "SpaceID = '11111111-1111-4111-8111-111111111111'";

  it('keeps every expression below the length cap and loses no value', () => {
    const batches = batchInClauses(prefix, 'UnitID', ids, 'unit ID');
    expect(batches.length).toBeGreaterThan(1);
    expect(batches.flat()).toEqual(ids);
    for (const batch of batches) {
      const expression = andWhere(prefix, inList('UnitID', batch, 'unit ID'));
      expect(expression.length).toBeLessThan(MAX_WHERE_LENGTH);
    }
    // Batches are packed: adding the next value to a batch would cross the cap.
    const first = batches[0]!;
    const grown = `${prefix} AND ${inList('UnitID', [...first, batches[1]![0]!], 'unit ID')}`;
    expect(grown.length).toBeGreaterThan(MAX_WHERE_LENGTH - 1);
  });

  it('honours a count cap and a small length cap', () => {
    expect(
      batchInClauses(prefix, 'UnitID', ids.slice(0, 10), 'unit ID', undefined, 3).map((b) => b.length),
    ).toEqual([3, 3, 3, 1]);
    expect(() => batchInClauses(prefix, 'UnitID', ids.slice(0, 1), 'unit ID', 40)).toThrow(/too long/);
  });

  it('returns no batch for no values', () => {
    expect(batchInClauses(prefix, 'UnitID', [], 'unit ID')).toEqual([]);
  });
});
