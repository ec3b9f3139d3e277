// Loads client-node's kubeconfig and auth code without its generated API: its config.js imports
// `./gen/index.js`, which loads every generated API and model file (~50 MiB of RSS at start-up) only to
// use two of them. Process entry points import this module first; code that imports client-node's
// `dist/config.js` then gets client-node-gen.ts in place of that index. Without it (tests, embedders)
// the same code loads the full index and works the same.
import { registerHooks } from 'node:module';
import { siblingModule } from '../util/sibling-module.ts';

const CONFIG_MODULE = /\/@kubernetes\/client-node\/dist\/config\.js$/;
const SLIM_GEN = siblingModule(import.meta.url, './client-node-gen').href;

registerHooks({
  resolve(specifier, context, nextResolve) {
    if (specifier === './gen/index.js' && CONFIG_MODULE.test(context.parentURL ?? '')) {
      return nextResolve(SLIM_GEN, context);
    }
    return nextResolve(specifier, context);
  },
});
