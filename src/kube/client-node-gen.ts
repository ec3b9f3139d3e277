// What client-node's config.js takes from its generated API (`./gen/index.js`), without the ~1,000
// generated API and model files that index loads. Substituted for that index by client-node-slim.ts.
// createConfiguration serves only KubeConfig.makeApiClient (the generated clients, which this project
// does not use) and pulls in the fetch-based HTTP library: it loads on first call.
import { createRequire } from 'node:module';
import type * as Configuration from '@kubernetes/client-node/dist/gen/configuration.js';

export { ServerConfiguration } from '@kubernetes/client-node/dist/gen/servers.js';

const require = createRequire(import.meta.url);

export const createConfiguration: typeof Configuration.createConfiguration = (...args) =>
  (require('@kubernetes/client-node/dist/gen/configuration.js') as typeof Configuration).createConfiguration(
    ...args,
  );
