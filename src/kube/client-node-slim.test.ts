// In a child process (hooks are process-wide): with client-node-slim.ts loaded first, kubeconfig
// loading and authentication work without loading one generated API file.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const probe = (slim: boolean) => `
${slim ? "await import('./src/kube/client-node-slim.ts');" : ''}
const { registerHooks } = await import('node:module');
let generated = 0;
registerHooks({
  resolve(specifier, context, next) {
    const resolved = next(specifier, context);
    if (resolved.url.includes('/client-node/dist/gen/apis/')) generated++;
    return resolved;
  },
});
const { KubeConfig } = await import('@kubernetes/client-node/dist/config.js');
const { KubeClient } = await import('./src/kube/client.ts');
const config = new KubeConfig();
config.loadFromOptions({
  clusters: [{ name: 'c', server: 'https://127.0.0.1:1' }],
  users: [{ name: 'u', token: 'secret-token' }],
  contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
  currentContext: 'x',
});
const { RequestContext } = await import('@kubernetes/client-node/dist/gen/http/http.js');
const context = new RequestContext('https://127.0.0.1:1/api', 'GET');
await config.applySecurityAuthentication(context);
await new KubeClient(config).close();
console.log(JSON.stringify({ generated, auth: context.getHeaders().Authorization }));
`;

async function run(slim: boolean): Promise<{ generated: number; auth: string }> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', probe(slim)], {
    cwd: new URL('../..', import.meta.url).pathname,
  });
  return JSON.parse(stdout);
}

describe('client-node-slim', () => {
  it('authenticates from a kubeconfig without loading the generated API', async () => {
    expect(await run(true)).toEqual({ generated: 0, auth: 'Bearer secret-token' });
    expect((await run(false)).generated).toBeGreaterThan(0);
  });
});
