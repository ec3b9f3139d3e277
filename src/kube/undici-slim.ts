// The part of undici the Kubernetes client uses (Agent, ProxyAgent, request), loaded from undici's own
// files instead of its index, which loads every dispatcher, fetch, WebSocket, the caches and the mocks
// (~110 modules, most of a CLI command's start-up). These are undici's own classes: a process that
// also loads the index (the controller) gets the same ones. undici-slim.test.ts checks they still are.
import { createRequire } from 'node:module';
import type * as Undici from 'undici';

const require = createRequire(import.meta.url);

export const Agent: typeof Undici.Agent = require('undici/lib/dispatcher/agent.js');
export const ProxyAgent: typeof Undici.ProxyAgent = require('undici/lib/dispatcher/proxy-agent.js');
const apiRequest: (
  this: Undici.Dispatcher,
  options: Undici.Dispatcher.RequestOptions,
) => Promise<Undici.Dispatcher.ResponseData> = require('undici/lib/api/api-request.js');
const {
  getGlobalDispatcher,
}: { getGlobalDispatcher: () => Undici.Dispatcher } = require('undici/lib/global.js');

export type RequestOptions = Omit<Undici.Dispatcher.RequestOptions, 'origin' | 'path' | 'method'> & {
  method?: Undici.Dispatcher.HttpMethod;
  dispatcher?: Undici.Dispatcher | undefined;
};

/** undici's `request(url, options)`: the URL split into origin and path, on the given dispatcher. */
export function request(url: URL, options: RequestOptions): Promise<Undici.Dispatcher.ResponseData> {
  const { dispatcher = getGlobalDispatcher(), ...rest } = options;
  return apiRequest.call(dispatcher, {
    ...rest,
    origin: url.origin,
    path: `${url.pathname}${url.search}`,
    method: rest.method ?? (rest.body ? 'PUT' : 'GET'),
  });
}

/** undici's fetch, for client-node's generated HTTP library (unused here): the index loads on first call. */
export const fetch: typeof Undici.fetch = (...args) => (require('undici') as typeof Undici).fetch(...args);
