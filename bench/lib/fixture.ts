// Emulator fixtures for the scale runs: `spaces` spaces of `unitsPerSpace` small Kubernetes units each,
// readable by one static token.

import { prng } from '../../test/support/prng.ts';
import type { FixtureInput } from '../../testkit/confighub-emulator/index.ts';
import { configMapYaml } from './units.ts';

export const BENCH_TOKEN = 'chx_bench_token_all_spaces';

const hex12 = (n: number) => n.toString(16).padStart(12, '0');

export function spaceSlug(index: number): string {
  return `bench-${String(index).padStart(5, '0')}`;
}

export function unitSlug(index: number): string {
  return `unit-${String(index).padStart(2, '0')}`;
}

/** A unit body of 400–1,200 bytes; `variant` changes the content without changing the name. */
export function unitData(space: number, unit: number, variant = 0): string {
  const random = prng(space * 1000 + unit + variant * 7919);
  return configMapYaml(`${spaceSlug(space)}-${unitSlug(unit)}`, 400 + Math.floor(random() * 800), random);
}

export function benchFixture(spaces: number, unitsPerSpace: number): FixtureInput {
  return {
    epoch: '2026-11-01T00:00:00Z',
    organization: { id: '5b000000-0000-4000-8000-000000000001', slug: 'bench-org', displayName: 'Bench Org' },
    users: [{ id: '5b000000-0000-4000-8000-0000000000a1', username: 'bench', email: 'bench@bench.example' }],
    tokens: [{ token: BENCH_TOKEN, user: 'bench' }],
    workers: [{ id: '5b000000-0000-4000-8000-0000000000c1', secret: 'ch_benchworkersecret', user: 'bench' }],
    spaces: Array.from({ length: spaces }, (_, s) => ({
      id: `5b000000-0001-4000-8000-${hex12(s)}`,
      slug: spaceSlug(s),
      units: Array.from({ length: unitsPerSpace }, (_, u) => ({
        id: `5b000000-0002-4000-8000-${hex12(s * 1000 + u)}`,
        slug: unitSlug(u),
        revisions: [{ description: 'initial', data: unitData(s, u) }],
      })),
    })),
  } as FixtureInput;
}
