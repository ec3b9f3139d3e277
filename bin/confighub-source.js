#!/usr/bin/env node
// Entry point for `npx confighub-source`; the CLI is TypeScript run by Node 24's type stripping.
// The compile cache (V8 code and the type-stripped source, under the OS temp directory, as npm and tsc
// keep theirs) is enabled first so that every module after it, main.ts included, starts from the cache.
// NODE_DISABLE_COMPILE_CACHE=1 turns it off.
import { enableCompileCache } from 'node:module';

enableCompileCache?.();
await import('../src/cli/main.ts');
