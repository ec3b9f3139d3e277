// JSON bodies of ConfigHub answers, checked against a schema.
import type { z } from 'zod';
import { InvalidResponseError, UpstreamUnavailableError } from './errors.ts';
import { type HttpResponse, headerValue } from './http-message.ts';

/** Parses a JSON body, turning HTML pages and broken JSON into typed errors that name the route. */
export function parseJson<T extends z.ZodType>(
  route: string,
  response: HttpResponse,
  schema: T,
): z.output<T> {
  const contentType = headerValue(response.headers, 'content-type') ?? '';
  const text = response.body.toString('utf8');
  if (/text\/html/i.test(contentType) || /^\s*<(!doctype|html|head|body)/i.test(text)) {
    throw new UpstreamUnavailableError(
      `${route}: the server answered with an HTML page instead of JSON (a proxy or login page in the way?)`,
      { route, status: response.status },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InvalidResponseError(
      `${route}: the response is not valid JSON (${response.body.length} bytes, truncated or malformed)`,
      { route, status: response.status },
    );
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? 'body' : issue.path.map(String).join('.');
    throw new InvalidResponseError(
      `${route}: unexpected response shape at ${where}: ${issue?.message ?? 'invalid'}`,
      { route, status: response.status },
    );
  }
  return parsed.data;
}
