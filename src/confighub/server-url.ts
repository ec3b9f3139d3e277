// The ConfigHub server root a client talks to, checked and normalised once.
import { Reason } from '../api/conditions.ts';
import { ConfigHubError } from './errors.ts';

/** Accepts `https://host[/prefix]` (and a trailing `/api`), refuses credentials, queries and fragments. */
export function normalizeServer(server: string): string {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new ConfigHubError(Reason.InvalidURL, false, `server ${JSON.stringify(server)} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigHubError(
      Reason.InvalidURL,
      false,
      `server URL must use http or https, not ${url.protocol}`,
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw new ConfigHubError(Reason.InvalidURL, false, 'server URL must not carry credentials');
  }
  if (url.search !== '' || url.hash !== '') {
    throw new ConfigHubError(Reason.InvalidURL, false, 'server URL must not have a query or fragment');
  }
  const path = url.pathname.replace(/\/+$/, '').replace(/\/api$/, '');
  return `${url.origin}${path}`;
}
