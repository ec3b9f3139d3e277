// Loads client-node's kubeconfig and auth code without what most runs never use: its config.js imports
// `./gen/index.js`, which loads every generated API and model file (~50 MiB of RSS at start-up) only to
// use two of them; the full undici index (for two classes); the OIDC authenticator with openid-client
// and jose; the SOCKS and HTTP proxy agents; JSONPath for the Azure and GCP authenticators; the ESM
// view of node:http (see node-http.ts). Process
// entry points import this module first; client-node's files then get, in place of those imports,
// client-node-gen.ts, undici-slim.ts, node-http.ts and the stand-ins of client-node-lazy.ts, which load the real
// modules when a kubeconfig needs them. Without it (tests, embedders) the same code loads the full
// modules and works the same.
import { registerHooks } from 'node:module';
import { siblingModule } from '../util/sibling-module.ts';

/** A sibling module's URL, `.ts` from the sources and `.js` once compiled. */
const here = (stem: string) => siblingModule(import.meta.url, stem).href;
const LAZY = here('./client-node-lazy');

/** By importing file of client-node's dist/: specifier → the module it gets instead. */
const SUBSTITUTES: Record<string, Record<string, string>> = {
  'config.js': {
    './gen/index.js': here('./client-node-gen'),
    'node:http': here('./node-http'),
    undici: here('./undici-slim'),
    './oidc_auth.js': LAZY,
    'socks-proxy-agent': LAZY,
    socks: LAZY,
    hpagent: LAZY,
  },
  // Re-exported by gen/http/http.js, whose RequestContext every request uses: fetch itself is not.
  'gen/http/isomorphic-fetch.js': { undici: here('./undici-slim') },
  'azure_auth.js': { 'jsonpath-plus': LAZY },
  'gcp_auth.js': { 'jsonpath-plus': LAZY },
};

const DIST_FILE = /\/@kubernetes\/client-node\/dist\/(.+\.js)$/;

registerHooks({
  resolve(specifier, context, nextResolve) {
    const file = DIST_FILE.exec(context.parentURL ?? '')?.[1];
    const substitute = file === undefined ? undefined : SUBSTITUTES[file]?.[specifier];
    return nextResolve(substitute ?? specifier, context);
  },
});
