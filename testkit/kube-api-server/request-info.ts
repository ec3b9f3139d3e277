// The authorization attributes of a request, parsed from its path and method alone, as
// k8s.io/apiserver's RequestInfoFactory does: authorization runs before routing, so a request for a
// resource the user may not touch is 403 whether or not the resource exists.

export interface UserInfo {
  username: string;
  groups: string[];
}

export type RequestAttributes =
  | { resourceRequest: false; verb: string; path: string }
  | {
      resourceRequest: true;
      verb: string;
      group: string;
      version: string;
      resource: string;
      subresource: string | undefined;
      namespace: string | undefined;
      name: string | undefined;
    };

/** Namespaces' own subresources: `/namespaces/x/status` is not a resource called status in x. */
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

export const requestAttributes = (method: string, url: URL): RequestAttributes => {
  const parts = url.pathname
    .split('/')
    .filter((s) => s !== '')
    .map(decodeURIComponent);
  const lower = method.toLowerCase();
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) [group, version, rest] = ['', parts[1]!, parts.slice(2)];
  else if (parts[0] === 'apis' && parts.length >= 4)
    [group, version, rest] = [parts[1]!, parts[2]!, parts.slice(3)];
  else return { resourceRequest: false, verb: lower === 'head' ? 'get' : lower, path: url.pathname };

  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length > 1) {
    namespace = rest[1];
    if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2]!)) rest = rest.slice(2);
  }
  const [resource, name, subresource] =
    rest[0] === 'namespaces' && namespace !== undefined && rest.length <= 3
      ? ['namespaces', namespace, rest[2]]
      : [rest[0]!, rest[1], rest[2]];
  if (resource === 'namespaces') namespace = name;
  const watching = url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1';
  let verb: string;
  switch (lower) {
    case 'get':
    case 'head':
      verb = watching ? 'watch' : name === undefined ? 'list' : 'get';
      break;
    case 'post':
      verb = 'create';
      break;
    case 'put':
      verb = 'update';
      break;
    case 'patch':
      verb = 'patch';
      break;
    case 'delete':
      verb = name === undefined ? 'deletecollection' : 'delete';
      break;
    default:
      verb = lower;
  }
  return { resourceRequest: true, verb, group, version, resource, subresource, namespace, name };
};
