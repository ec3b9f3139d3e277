// `confighub-source build` and the controller call the same pipeline: for the same space and selection
// the CLI writes exactly the artifact the controller publishes, and refuses what the controller refuses.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/build.ts';
import type { CommandModule } from '../../src/cli/commands.ts';
import { buildFlags, cli } from '../cli/support.ts';
import { useLocalStack } from '../support/local-stack.ts';
import { download, sha256 } from '../support/repositories.ts';

const stack = useLocalStack();
let dir: string;
let tokenFile: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'one-pipeline-'));
  tokenFile = join(dir, 'token');
  await writeFile(tokenFile, stack.emulator.fixture.token);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const build: CommandModule = { run };
const args = (...more: string[]) => [...buildFlags(stack.emulator.url, tokenFile), ...more];

describe('one artifact pipeline', () => {
  it.each([
    ['the whole space', {}, []],
    ['a filter', { where: "Slug IN ('web', 'web-svc')" }, ['--where', "Slug IN ('web', 'web-svc')"]],
  ])('the CLI writes byte for byte what the controller publishes: %s', async (_label, spec, flags) => {
    const name = `same-${Object.keys(spec).length}`;
    await stack.createRepository('pipeline', name, spec);
    const published = (await stack.waitForReady('pipeline', name)).status!.artifact!;
    const { code, stdout } = await cli(build, args('--out', join(dir, name), ...flags));
    expect(code).toBe(0);
    const line = JSON.parse(stdout) as { revision: string; digest: string; path: string; size: number };
    expect(line).toMatchObject({
      revision: published.revision,
      digest: published.digest,
      size: published.size,
    });
    const served = await download(published.url);
    expect((await readFile(line.path)).equals(served.bytes)).toBe(true);
    expect(sha256(served.bytes)).toBe(published.digest);
  });

  it('the CLI refuses an empty selection as the controller does', async () => {
    const { code, stderr } = await cli(
      build,
      args('--where', "Slug = 'no-such-unit'", '--out', join(dir, 'empty')),
    );
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /no unit of space 'shop-prod' .* matches the selection .*Flux prune everything.*NoUnitsSelected/,
    );
  });
});
