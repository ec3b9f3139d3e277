// The benchmark starts the controller as the image does: the Dockerfile's ENTRYPOINT is read, not copied.
import { describe, expect, it } from 'vitest';
import { dockerfileEntrypoint } from '../../bench/lib/image-entry.ts';

describe('dockerfileEntrypoint', () => {
  it('reads the node flags and the script of the exec-form ENTRYPOINT', () => {
    expect(
      dockerfileEntrypoint('FROM x\nENTRYPOINT ["node", "--max-semi-space-size=16", "dist/main.js"]\n'),
    ).toEqual({
      nodeArgs: ['--max-semi-space-size=16'],
      script: 'dist/main.js',
      env: {},
    });
    expect(dockerfileEntrypoint('ENTRYPOINT ["node", "dist/main.js"]')).toEqual({
      nodeArgs: [],
      script: 'dist/main.js',
      env: {},
    });
  });

  it("takes the environment the final stage sets, not an earlier stage's", () => {
    const dockerfile = [
      'FROM a AS build',
      'ENV BUILD_ONLY=1',
      'FROM b',
      'ENV NODE_ENV=production',
      'ENV MALLOC_ARENA_MAX=2 OTHER=x',
      'ENTRYPOINT ["node", "dist/main.js"]',
    ].join('\n');
    expect(dockerfileEntrypoint(dockerfile).env).toEqual({
      NODE_ENV: 'production',
      MALLOC_ARENA_MAX: '2',
      OTHER: 'x',
    });
  });

  it('refuses an image that does not start node', () => {
    expect(() => dockerfileEntrypoint('FROM x\n')).toThrow(/no ENTRYPOINT/);
    expect(() => dockerfileEntrypoint('ENTRYPOINT ["/bin/sh", "-c", "x"]')).toThrow(/unexpected ENTRYPOINT/);
  });

  it('the project Dockerfile starts the compiled controller', () => {
    expect(dockerfileEntrypoint().script).toBe('dist/main.js');
  });
});
