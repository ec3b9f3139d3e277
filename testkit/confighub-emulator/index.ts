// ConfigHub emulator: a real HTTP test double of the ConfigHub API (behaviour and choices: README.md here).

export { StoreError, startEmulator } from './emulator.ts';
export { DEFAULT_FIXTURE_PATH, FixtureError, loadFixture, parseFixture } from './fixture/load.ts';
export type { Fixture, FixtureInput } from './fixture/schema.ts';
export { type BundleEntry, readBundle } from './model/read-bundle.ts';
// Every type of the test-facing API.
export type * from './types.ts';
