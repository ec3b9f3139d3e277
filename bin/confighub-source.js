#!/usr/bin/env node
// Entry point of `confighub-source`. The published package holds the compiled CLI (dist/): Node refuses
// to strip types under node_modules. A clone has the sources and runs them directly (Node 24 strips the
// types), so it needs no build step and never runs a stale dist/.
// The compile cache (V8 code and the type-stripped source, under the OS temp directory, as npm and tsc
// keep theirs) is enabled first so that every module after it, main.ts included, starts from the cache.
// NODE_DISABLE_COMPILE_CACHE=1 turns it off.
import { existsSync } from 'node:fs';
import { enableCompileCache } from 'node:module';

enableCompileCache?.();
const source = new URL('../src/cli/main.ts', import.meta.url);
await import(existsSync(source) ? source.href : '../dist/cli/main.js');
