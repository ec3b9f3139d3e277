// The test suite while every core is kept busy by another process, as on a loaded CI runner:
// `npm run test:loaded [-- <vitest arguments>]`. LOAD_PROCESSES sets how many busy loops run (default:
// one per core). They are stopped when vitest ends, and the exit code is vitest's.
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';

const VITEST = fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url));
const count = Number(process.env['LOAD_PROCESSES'] ?? availableParallelism());

const busy = Array.from({ length: count }, () =>
  spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }),
);
const stopLoad = () => {
  for (const child of busy) child.kill('SIGKILL');
};
process.on('exit', stopLoad);
console.log(`${count} busy-loop process(es) running: ${busy.map((child) => child.pid).join(', ')}`);

const vitest = spawn(process.execPath, [VITEST, 'run', ...process.argv.slice(2)], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => vitest.kill(signal));
}
vitest.on('exit', (code, signal) => {
  stopLoad();
  process.exit(code ?? (signal ? 1 : 0));
});
