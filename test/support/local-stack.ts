// One local stack (testkit/local-stack.ts) for a test file or a describe block: started before its
// tests, stopped after them, with the repository helpers bound to it.
import { afterAll, beforeAll } from 'vitest';
import { type LocalStack, type LocalStackOptions, startLocalStack } from '../../testkit/local-stack.ts';
import { type RepositoryStack, repositoryHelpers } from './repositories.ts';

/**
 * Starts a local stack in a beforeAll and stops it in an afterAll of the calling file or describe block.
 * The object returned stands for the running stack, so it can be used as one in hooks and tests, and
 * carries the repository helpers with the stack already given (`stack.waitForReady('team-a', 'shop')`).
 * Hooks registered after this call run with the stack started (beforeAll) and before it stops
 * (afterAll). `options` may be a function, for values that earlier hooks provide (a port).
 */
export function useLocalStack(options: LocalStackOptions | (() => LocalStackOptions) = {}): RepositoryStack {
  let running: LocalStack | undefined;
  beforeAll(async () => {
    running = await startLocalStack(typeof options === 'function' ? options() : options);
  });
  afterAll(async () => {
    await running?.stop();
    running = undefined;
  });
  const current = (): LocalStack => {
    if (running === undefined) throw new Error('the local stack is only running in the hooks and tests');
    return running;
  };
  const stack = new Proxy({} as LocalStack, {
    get: (_, key) => (key in helpers ? helpers[key as keyof typeof helpers] : Reflect.get(current(), key)),
    set: (_, key, value) => Reflect.set(current(), key, value),
    has: (_, key) => key in helpers || Reflect.has(current(), key),
  });
  const helpers = repositoryHelpers(stack);
  return stack as RepositoryStack;
}
