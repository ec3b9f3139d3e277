// Table-driven tests of the `where` language: what matches, and every expression the API rejects with 400.
import { describe, expect, it } from 'vitest';
import { RELEASE, REVISION, SPACE, TARGET, UNIT } from '../model/descriptors.ts';
import type { Row } from './where-eval.ts';
import { compileWhere } from './where-eval.ts';
import { MAX_WHERE_LENGTH, parseWhere, WhereError } from './where-parser.ts';

const DESCRIPTORS = { Space: SPACE, Unit: UNIT, Revision: REVISION, Release: RELEASE, Target: TARGET };

function unit(fields: Record<string, unknown>): Row {
  const attrs = {
    UnitID: '00000000-0000-4000-8000-000000000001',
    Slug: 'web',
    SpaceID: '00000000-0000-4000-8000-0000000000aa',
    ToolchainType: 'Kubernetes/YAML',
    HeadRevisionNum: 4,
    LastReleasedRevisionNum: 3,
    Labels: { app: 'web', tier: 'frontend' },
    ValidationErrors: {},
    TargetID: '',
    HiddenReason: '',
    CreatedAt: '2026-10-01T09:00:00Z',
    ...fields,
  } as Row['attrs'];
  return {
    attrs,
    related: (relation) =>
      relation === 'Space' ? { Slug: 'shop-prod', Labels: { env: 'prod' } } : undefined,
  };
}

const web = unit({});
const gated = unit({
  Slug: 'web-hpa',
  ValidationErrors: { 'vet-schemas': true },
  HeadRevisionNum: 2,
  LastReleasedRevisionNum: 2,
});

describe('where: matching', () => {
  it.each([
    ["Slug = 'web'", true, false],
    ["Slug != 'web'", false, true],
    ["Slug <> 'web'", false, true],
    ["Slug = 'Web'", false, false],
    ['HeadRevisionNum = 4', true, false],
    ['HeadRevisionNum > 3', true, false],
    ['HeadRevisionNum >= 2', true, true],
    ['HeadRevisionNum < 3', false, true],
    ['HeadRevisionNum <= 2', false, true],
    ['HeadRevisionNum > LastReleasedRevisionNum', true, false],
    ['HeadRevisionNum = LastReleasedRevisionNum', false, true],
    ["Slug IN ('web', 'web-svc')", true, false],
    ["Slug NOT IN ('web')", false, true],
    ['HeadRevisionNum IN (1, 2)', false, true],
    ["Labels.app = 'web'", true, true],
    ["Labels.tier = 'backend'", false, false],
    ["Labels.tier IN ('frontend', 'backend')", true, true],
    ['Labels.app IS NOT NULL', true, true],
    ['Labels.owner IS NULL', true, true],
    ['Labels.app IS NULL', false, false],
    ['TargetID IS NULL', true, true],
    ["Labels ? 'tier'", true, true],
    ['LEN(ValidationErrors) > 0', false, true],
    ['LEN(ValidationErrors) = 0', true, false],
    ["Slug LIKE 'web-%'", false, true],
    ["Slug ILIKE 'WEB%'", true, true],
    ["Space.Labels.env = 'prod'", true, true],
    ["Space.Slug = 'shop-staging'", false, false],
    ["CreatedAt > '2026-09-30T00:00:00Z'", true, true],
    ["Slug = 'web' AND HeadRevisionNum > 3 AND Labels.app = 'web'", true, false],
    ["Slug = 'web' and Labels.app = 'nope'", false, false],
    ["  Slug='web'  ", true, false],
    ['ValidationErrors.vet-schemas = true', false, true],
    ["Slug NOT LIKE 'web-%'", true, false],
    ["Slug NOT ILIKE 'WEB%'", false, false],
    ["Slug ~ '^web(-svc)?$'", true, false],
    ["Slug ~ '^WEB'", false, false],
    ["Slug ~* '^WEB'", true, true],
    ["Slug !~ '^web$'", false, true],
    ["Slug !~* '^WEB'", false, false],
    ['ValidationErrors.vet-schemas IS TRUE', false, true],
    ['ValidationErrors.vet-schemas IS NOT TRUE', true, false],
    ['ValidationErrors.vet-schemas IS FALSE', false, false],
    ['ValidationErrors.vet-schemas IS NOT FALSE', true, true],
  ])('%s → web %s, gated %s', (expression, matchesWeb, matchesGated) => {
    const where = compileWhere(expression, UNIT, DESCRIPTORS);
    expect(where.test(web)).toBe(matchesWeb);
    expect(where.test(gated)).toBe(matchesGated);
  });

  it('matches sets with ? on revisions, and booleans on releases', () => {
    const tagged: Row = {
      attrs: {
        Tags: ['00000000-0000-4000-8000-0000000000e1', '00000000-0000-4000-8000-0000000000e2'],
        Releases: [],
      },
      related: () => undefined,
    };
    expect(
      compileWhere("Tags ? '00000000-0000-4000-8000-0000000000e2'", REVISION, DESCRIPTORS).test(tagged),
    ).toBe(true);
    expect(
      compileWhere("Releases ? '00000000-0000-4000-8000-0000000000e2'", REVISION, DESCRIPTORS).test(tagged),
    ).toBe(false);
    expect(compileWhere('LEN(Tags) = 2', REVISION, DESCRIPTORS).test(tagged)).toBe(true);
    const published: Row = { attrs: { Published: true, ReleaseNum: 3 }, related: () => undefined };
    expect(compileWhere('Published = true', RELEASE, DESCRIPTORS).test(published)).toBe(true);
    expect(compileWhere('Published = false AND ReleaseNum = 3', RELEASE, DESCRIPTORS).test(published)).toBe(
      false,
    );
    expect(compileWhere('Published != FALSE', RELEASE, DESCRIPTORS).test(published)).toBe(true);
    expect(compileWhere('Published IS TRUE', RELEASE, DESCRIPTORS).test(published)).toBe(true);
    expect(compileWhere('Published IS NOT FALSE', RELEASE, DESCRIPTORS).test(published)).toBe(true);
    expect(compileWhere('Published is false', RELEASE, DESCRIPTORS).test(published)).toBe(false);
    const mapTags: Row = {
      attrs: { Tags: { '00000000-0000-4000-8000-0000000000e1': 'v1' } },
      related: () => undefined,
    };
    expect(
      compileWhere("Tags ? '00000000-0000-4000-8000-0000000000e1'", REVISION, DESCRIPTORS).test(mapTags),
    ).toBe(true);
  });

  it('reports whether a where selects by identity (which reveals hidden units)', () => {
    expect(compileWhere("Slug = 'x'", UNIT, DESCRIPTORS).selectsByIdentity).toBe(true);
    expect(
      compileWhere("UnitID IN ('00000000-0000-4000-8000-000000000001')", UNIT, DESCRIPTORS).selectsByIdentity,
    ).toBe(true);
    expect(compileWhere("Slug != 'x'", UNIT, DESCRIPTORS).selectsByIdentity).toBe(false);
    expect(compileWhere("Labels.app = 'x'", UNIT, DESCRIPTORS).selectsByIdentity).toBe(false);
  });
});

describe('where: rejected expressions', () => {
  it.each([
    ['unknown attribute', "Nope = 'x'"],
    ['attribute names are case-sensitive', "slug = 'web'"],
    ['unknown related attribute', "Space.Nope = 'x'"],
    ['keys on a scalar', "Slug.x = 'y'"],
    ['backslash in a literal', "Slug = 'a\\b'"],
    ['unterminated literal', "Slug = 'web"],
    ['empty expression', '   '],
    ['missing operand', 'Slug ='],
    ['missing operator', "Slug 'web'"],
    ['OR is not supported', "Slug = 'a' OR Slug = 'b'"],
    ['dangling AND', "Slug = 'a' AND"],
    ['two clauses without AND', "Slug = 'a' Slug = 'b'"],
    ['unknown operator', "Slug ~~ 'a'"],
    ['NOT without IN or LIKE', "Slug NOT = 'a'"],
    ['regex on an integer', "HeadRevisionNum ~ '1'"],
    ['regex against an attribute', 'Slug ~ DisplayName'],
    ['an invalid regex', "Slug ~ '(unclosed'"],
    ['NOT LIKE on integers', "HeadRevisionNum NOT LIKE '1%'"],
    ['IS TRUE on a string', 'Slug IS TRUE'],
    ['IS NOT without NULL or a truth value', "Slug IS NOT 'a'"],
    ['string compared with an integer', 'Slug = 3'],
    ['integer compared with a string', "HeadRevisionNum = '3'"],
    ['boolean ordering', 'Published > false'],
    ['attribute compared across types', 'Slug = HeadRevisionNum'],
    ['map compared directly', "Labels = 'x'"],
    ['IN list with mixed types', "Slug IN ('a', 1)"],
    ['IN without parentheses', "Slug IN 'a'"],
    ['unclosed IN list', "Slug IN ('a', 'b'"],
    ['? on a scalar', "Slug ? 'a'"],
    ['LEN of an integer', 'LEN(HeadRevisionNum) > 0'],
    ['literal on the left', "'web' = Slug"],
    ['LIKE on integers', "HeadRevisionNum LIKE '1%'"],
    ['IS on a literal', "'a' IS NULL"],
    ['IS without NULL', 'Labels.app IS 3'],
    ['integer too large', 'HeadRevisionNum = 99999999999999999999'],
    ['a slug where an ID belongs', "SpaceID = 'shop-prod'"],
    ['a non-UUID in an ID list', "UnitID IN ('00000000-0000-4000-8000-000000000001', 'web')"],
    ['a non-UUID tag', "Tags ? 'v1'"],
  ])('%s: %s', (_reason, expression) => {
    const descriptor = expression.startsWith('Published') ? RELEASE : UNIT;
    expect(() => compileWhere(expression, descriptor, DESCRIPTORS)).toThrow(WhereError);
  });

  it('rejects expressions longer than 8192 characters, and accepts one at the limit', () => {
    const clause = "Slug = 'a' AND ";
    let text = '';
    while (text.length + clause.length + 20 < MAX_WHERE_LENGTH) text += clause;
    const atLimit = `${text}Slug = '${'x'.repeat(MAX_WHERE_LENGTH - text.length - 9)}'`;
    expect(atLimit.length).toBe(MAX_WHERE_LENGTH);
    expect(() => parseWhere(atLimit)).not.toThrow();
    expect(() => parseWhere(`${atLimit} `)).toThrow(/8192/);
  });
});
