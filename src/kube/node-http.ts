// node:http for client-node's config.js (which uses its default export), without what an ESM import of
// it costs: Node builds the ESM view of a built-in by reading every export, and three of node:http's
// (WebSocket, CloseEvent, MessageEvent) load Node's bundled undici to answer, about 100 ms of CPU at
// start-up. require() reads none of them. Substituted by client-node-slim.ts.
import { createRequire } from 'node:module';

export default createRequire(import.meta.url)('node:http') as typeof import('node:http');
