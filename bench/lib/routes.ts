// Groups logged requests by route, so "requests per poll" can be told apart by kind.

/** ConfigHub routes the controller uses, by URL pathname. */
export function confighubRoute(path: string): string {
  if (path === '/api/space') return 'GET /api/space (lookup by slug)';
  if (/^\/api\/space\/[^/]+\/unit$/.test(path)) return 'GET /api/space/{id}/unit (list)';
  if (path === '/api/unit_data') return 'GET /api/unit_data (data)';
  if (/^\/api\/space\/[^/]+$/.test(path)) return 'GET /api/space/{id}';
  return path.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '{id}');
}

/** Kubernetes API requests as `METHOD resource[/{name}][/status]`. */
export function kubeRoute(method: string, path: string, watch: boolean): string {
  const parts = path.split('/').filter(Boolean);
  const base = parts[0] === 'api' ? 2 : 3;
  let rest = parts.slice(base);
  if (rest[0] === 'namespaces' && rest.length > 2) rest = rest.slice(2);
  const [resource = path, name, sub] = rest;
  return `${watch ? 'WATCH' : method} ${resource}${name ? '/{name}' : ''}${sub ? `/${sub}` : ''}`;
}

export function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}
