// spec.url must never carry credentials: they would be repeated wherever the URL is shown (status, Events,
// logs) and sent to ConfigHub in the clear over plain HTTP. The CRD refuses them; objects stored before
// that rule are Stalled here, with a message that names the problem without repeating the URL.
import { Reason } from '../api/conditions.ts';
import { StalledError } from './errors.ts';

export function refuseUrlCredentials(url: string): void {
  const authority = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/.exec(url)?.[1] ?? '';
  if (authority.includes('@')) {
    throw new StalledError(
      Reason.InvalidURL,
      'spec.url carries credentials (user or password before "@"): remove them and put the token in the Secret named by spec.secretRef',
    );
  }
}
