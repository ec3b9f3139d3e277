// `npm run emulator`: flags, the JSON line it prints, serving, and a clean stop on signal.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_FIXTURE_PATH } from '../../testkit/confighub-emulator/index.ts';
import { run } from '../../testkit/demo/emulator.ts';

interface Started {
  url: string;
  fixture: string;
  token: string;
  restrictedToken: string;
  workerID: string;
  workerSecret: string;
  orgID: string;
}

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  return { stream, text: () => text };
}

/** Resolves with the first line written to `read()`. */
async function firstLine(read: () => string): Promise<string> {
  await expect.poll(() => read().includes('\n'), { timeout: 5000, interval: 10 }).toBe(true);
  return read().split('\n')[0]!;
}

async function runInProcess(argv: string[]) {
  const stdout = capture();
  const stderr = capture();
  const controller = new AbortController();
  const exit = run(
    argv,
    { stdout: stdout.stream, stderr: stderr.stream, env: {} },
    { signal: controller.signal },
  );
  return { stdout, stderr, controller, exit };
}

describe('emulator command', () => {
  it('prints one JSON line with the URL and the fixture credentials, serves, and stops cleanly', async () => {
    const { stdout, stderr, controller, exit } = await runInProcess(['--token-ttl', '90s']);
    const started = JSON.parse(await firstLine(stdout.text)) as Started;
    expect(started.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(started.fixture).toBe(DEFAULT_FIXTURE_PATH);
    expect(started.workerID).toBe('5a0c1e00-0000-4000-8000-0000000000c1');
    const spaces = await fetch(`${started.url}/api/space`, {
      headers: { authorization: `Bearer ${started.token}` },
    });
    expect(spaces.status).toBe(200);
    const auth = await fetch(`${started.url}/auth/worker`, {
      method: 'POST',
      body: JSON.stringify({ worker_id: started.workerID, worker_secret: started.workerSecret }),
    });
    const session = (await auth.json()) as { access_token: string };
    const claims = JSON.parse(Buffer.from(session.access_token.split('.')[1]!, 'base64url').toString('utf8'));
    expect(claims.exp - claims.iat).toBe(90);
    expect(stderr.text()).toContain(`listening on ${started.url}`);
    controller.abort();
    expect(await exit).toBe(0);
    expect(stderr.text()).toContain('stopped');
    await expect(fetch(`${started.url}/api/info`)).rejects.toThrow();
  });

  it('prints help and exits 0', async () => {
    const { stdout, exit } = await runInProcess(['--help']);
    expect(await exit).toBe(0);
    expect(stdout.text()).toMatch(/^Usage: npm run emulator/);
    expect(stdout.text()).toContain('test-only values');
  });

  it.each([
    ['a non-numeric port', ['--port', 'abc'], /--port/],
    ['a port out of range', ['--port', '70000'], /--port/],
    ['an unknown flag', ['--verbose'], /verbose/],
    ['a token TTL below a second', ['--token-ttl', '10ms'], /--token-ttl/],
    ['a malformed token TTL', ['--token-ttl', 'soon'], /--token-ttl/],
  ])('exits 2 for %s', async (_reason, argv, message) => {
    const { stderr, exit } = await runInProcess(argv);
    expect(await exit).toBe(2);
    expect(stderr.text()).toMatch(message);
  });

  it('exits 1 when the fixture cannot be loaded', async () => {
    const { stderr, exit } = await runInProcess(['--fixture', '/nonexistent/fixture.yaml']);
    expect(await exit).toBe(1);
    expect(stderr.text()).toMatch(/cannot read fixture/);
  });

  it('stops on SIGTERM as a separate process and exits 0', async () => {
    const cli = fileURLToPath(new URL('../../testkit/demo/emulator.ts', import.meta.url));
    const script = `import { run } from ${JSON.stringify(cli)};
process.exitCode = await run(process.argv.slice(1), { stdout: process.stdout, stderr: process.stderr, env: process.env });`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, '--', '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    try {
      const started = JSON.parse(await firstLine(() => out)) as Started;
      expect((await fetch(`${started.url}/api/info`)).status).toBe(200);
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
