// The request and response shapes the ConfigHub transport speaks, and helpers to read and build them.

export interface HttpRequest {
  method: 'GET' | 'POST';
  /** Template for messages and metrics, e.g. `GET /api/space/{space_id}/unit`. */
  route: string;
  /** Path with IDs filled in (already URI-encoded), starting with `/`. */
  path: string;
  query?: ReadonlyArray<readonly [string, string]>;
  headers?: Record<string, string>;
  body?: string;
  maxBytes: number;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** Query string with `%20` for spaces (ConfigHub where expressions are full of them). */
export function encodeQuery(query: ReadonlyArray<readonly [string, string]>): string {
  if (query.length === 0) return '';
  return `?${query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}`;
}

export function headerValue(headers: HttpResponse['headers'], name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
