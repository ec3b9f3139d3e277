// What client-node's config.js takes from its generated API (`./gen/index.js`), without the ~1,000
// generated API and model files that index loads. Substituted for that index by client-node-slim.ts.
export { createConfiguration } from '@kubernetes/client-node/dist/gen/configuration.js';
export { ServerConfiguration } from '@kubernetes/client-node/dist/gen/servers.js';
