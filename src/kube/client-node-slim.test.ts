// In a child process (hooks are process-wide): with client-node-slim.ts loaded first, kubeconfig
// loading and authentication work without loading one generated API file, the undici index, the OIDC
// and proxy libraries or the ESM view of node:http; the stand-ins hand over to the real modules when a
// kubeconfig needs them.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/** Modules whose loading the probe reports, by a pattern of their URL. */
const WATCHED = {
  generated: '/client-node/dist/gen/apis/',
  undiciIndex: '/undici/index.js',
  openidClient: '/openid-client/',
  socks: '/socks/',
  hpagent: '/hpagent/',
  jsonpath: '/jsonpath-plus/',
};

const probe = (slim: boolean, body: string) => `
${slim ? "await import('./src/kube/client-node-slim.ts');" : ''}
const { registerHooks } = await import('node:module');
const watched = ${JSON.stringify(WATCHED)};
const loaded = Object.fromEntries(Object.keys(watched).map((k) => [k, 0]));
registerHooks({
  resolve(specifier, context, next) {
    const resolved = next(specifier, context);
    for (const [name, part] of Object.entries(watched)) if (resolved.url.includes(part)) loaded[name]++;
    return resolved;
  },
});
const { KubeConfig } = await import('@kubernetes/client-node/dist/config.js');
const { RequestContext } = await import('@kubernetes/client-node/dist/gen/http/http.js');
const config = new KubeConfig();
const authenticate = async (options) => {
  config.loadFromOptions({ currentContext: 'x', ...options });
  const context = new RequestContext('https://127.0.0.1:1/api', 'GET');
  await config.applySecurityAuthentication(context);
  return context;
};
const result = {};
${body}
console.log(JSON.stringify({ loaded, ...result }));
`;

async function run(
  slim: boolean,
  body: string,
): Promise<Record<string, unknown> & { loaded: Record<string, number> }> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--input-type=module', '-e', probe(slim, body)],
    {
      cwd: new URL('../..', import.meta.url).pathname,
    },
  );
  return JSON.parse(stdout);
}

const tokenUser = `
const context = await authenticate({
  clusters: [{ name: 'c', server: 'https://127.0.0.1:1' }],
  users: [{ name: 'u', token: 'secret-token' }],
  contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
});
const { KubeClient } = await import('./src/kube/client.ts');
await new KubeClient(config).close();
result.auth = context.getHeaders().Authorization;
`;

const none = Object.fromEntries(Object.keys(WATCHED).map((k) => [k, 0]));

describe('client-node-slim', () => {
  it('authenticates from a kubeconfig without loading what a token user does not need', async () => {
    expect(await run(true, tokenUser)).toEqual({ loaded: none, auth: 'Bearer secret-token' });
    const full = (await run(false, tokenUser)).loaded;
    for (const name of Object.keys(WATCHED)) expect(full[name], name).toBeGreaterThan(0);
  });

  it('hands an oidc auth-provider over to client-node authenticator', async () => {
    // An unexpired id-token is used as it is: no request to the issuer.
    const claims = Buffer.from(JSON.stringify({ exp: Math.floor(Date.now() / 1000) + 3600 })).toString(
      'base64url',
    );
    const idToken = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${claims}.signature`;
    const result = await run(
      true,
      `
      const context = await authenticate({
        clusters: [{ name: 'c', server: 'https://127.0.0.1:1' }],
        users: [{ name: 'u', authProvider: { name: 'oidc', config: {
          'id-token': ${JSON.stringify(idToken)}, 'client-id': 'cli', 'idp-issuer-url': 'https://127.0.0.1:1',
        } } }],
        contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      });
      result.auth = context.getHeaders().Authorization;
      `,
    );
    expect(result.auth).toBe(`Bearer ${idToken}`);
    expect(result.loaded.openidClient).toBeGreaterThan(0);
  });

  it.each([
    ['https://127.0.0.1:1', 'http://127.0.0.1:2', 'HttpsProxyAgent', 'hpagent'],
    ['http://127.0.0.1:1', 'http://127.0.0.1:2', 'HttpProxyAgent', 'hpagent'],
    ['https://127.0.0.1:1', 'socks5://127.0.0.1:2', 'SocksProxyAgent', 'socks-proxy-agent'],
  ])('a cluster %s behind proxy-url %s gets the real %s', async (server, proxyUrl, agent, module) => {
    const result = await run(
      true,
      `
      config.loadFromOptions({
        clusters: [{ name: 'c', server: ${JSON.stringify(server)}, proxyUrl: ${JSON.stringify(proxyUrl)}, skipTLSVerify: true }],
        users: [{ name: 'u', token: 't' }],
        contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
        currentContext: 'x',
      });
      const options = {};
      await config.applyToHTTPSOptions(options);
      const real = await import(${JSON.stringify(module)});
      result.real = options.agent instanceof real.${agent};
      `,
    );
    expect(result.real).toBe(true);
  });

  it('connects through a SOCKS proxy-url with the real socks client', async () => {
    // Nothing listens on the proxy's port: the socks client's own error proves it was the one called.
    const result = await run(
      true,
      `
      const context = await authenticate({
        clusters: [{ name: 'c', server: 'https://127.0.0.1:1', proxyUrl: 'socks5://127.0.0.1:1', skipTLSVerify: true }],
        users: [{ name: 'u', token: 't' }],
        contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      });
      const { request } = await import('./src/kube/undici-slim.ts');
      try {
        await request(new URL('https://127.0.0.1:1/api'), { dispatcher: context.getDispatcher() });
      } catch (error) {
        result.error = String(error?.cause ?? error);
      }
      `,
    );
    expect(result.loaded.socks).toBeGreaterThan(0);
    expect(result.error).toMatch(/ECONNREFUSED/);
  });
});
