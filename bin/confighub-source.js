#!/usr/bin/env node
// Entry point of `confighub-source`. The published package holds the compiled CLI (dist/): Node refuses
// to strip types under node_modules. A clone has the sources and runs them directly (Node 24 strips the
// types), so it needs no build step and never runs a stale dist/.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
await import(existsSync(source) ? source.href : '../dist/cli/main.js');
