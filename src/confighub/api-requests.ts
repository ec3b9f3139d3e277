// Authenticated ConfigHub requests shared by the client's parts: credentials on every call, 401/403
// and unexpected statuses mapped to typed errors, JSON bodies checked, and paging followed.
import type { z } from 'zod';
import type { Authenticator } from './auth.ts';
import {
  AuthenticationFailedError,
  type ConfigHubError,
  ForbiddenError,
  InvalidFilterError,
  LimitExceededError,
  UpstreamUnavailableError,
} from './errors.ts';
import {
  describeErrorBody,
  type HttpRequest,
  type HttpResponse,
  headerValue,
  type Limits,
  parseJson,
  type Transport,
} from './http.ts';

const CONTINUE_HEADER = 'confighub-continue';
const VERSION_HEADER = 'confighub-version';

/** A GET the caller describes; method and body cap are filled in. */
export type ApiGet = Omit<HttpRequest, 'method' | 'maxBytes'>;

export interface ApiRequestsOptions {
  transport: Transport;
  auth: Authenticator;
  limits: Limits;
  /** `limit` sent on list requests. */
  pageSize: number;
  /** Requests in flight for per-unit calls. */
  concurrency: number;
}

export class ApiRequests {
  readonly limits: Limits;
  readonly pageSize: number;
  readonly concurrency: number;
  readonly #transport: Transport;
  readonly #auth: Authenticator;
  /** Last `ConfigHub-Version` seen: it explains most compatibility problems in one word. */
  #serverVersion: string | undefined;

  constructor(options: ApiRequestsOptions) {
    this.#transport = options.transport;
    this.#auth = options.auth;
    this.limits = options.limits;
    this.pageSize = options.pageSize;
    this.concurrency = options.concurrency;
  }

  /** The `ConfigHub-Version` the server last answered with. */
  get serverVersion(): string | undefined {
    return this.#serverVersion;
  }

  /** Sends with credentials; renews a worker token once after a 401. Maps 401/403. */
  async call(req: HttpRequest): Promise<HttpResponse> {
    let renewed = false;
    for (;;) {
      const authorization = await this.#auth.authorization(req.signal);
      const response = await this.#transport.send({
        ...req,
        headers: { accept: 'application/json', ...req.headers, authorization },
      });
      const version = headerValue(response.headers, VERSION_HEADER);
      if (version !== undefined && version !== '') this.#serverVersion = version;
      if (response.status === 401) {
        if (!renewed && this.#auth.invalidate()) {
          renewed = true;
          continue;
        }
        throw new AuthenticationFailedError(
          `${req.route}: the credential was rejected (401${renewed ? ', also with a freshly exchanged worker token' : ''}): ${this.#detail(response)}`,
          { route: req.route, status: 401 },
        );
      }
      if (response.status === 403) {
        throw new ForbiddenError(
          `${req.route}: the credential may not read this (403): ${this.#detail(response)}`,
          {
            route: req.route,
            status: 403,
          },
        );
      }
      return response;
    }
  }

  #detail(response: HttpResponse): string {
    return describeErrorBody(response.body, this.#auth.secrets()) || 'no details';
  }

  /** Error for a status the caller did not expect; `notFound` decides what a 404 means on this route. */
  unexpected(req: HttpRequest, response: HttpResponse, notFound: () => ConfigHubError): ConfigHubError {
    const details = { route: req.route, status: response.status };
    if (response.status === 404) return notFound();
    if (response.status === 400) {
      return new InvalidFilterError(
        `${req.route}: ConfigHub rejected the query (400): ${this.#detail(response)}`,
        details,
      );
    }
    return new UpstreamUnavailableError(
      `${req.route}: unexpected status ${response.status}: ${this.#detail(response)}`,
      details,
    );
  }

  async getJson<T extends z.ZodType>(
    req: ApiGet,
    schema: T,
    notFound: () => ConfigHubError,
  ): Promise<{ body: z.output<T>; response: HttpResponse }> {
    const full: HttpRequest = { ...req, method: 'GET', maxBytes: this.limits.maxJsonBytes };
    const response = await this.call(full);
    if (response.status !== 200) throw this.unexpected(full, response, notFound);
    return { body: parseJson(req.route, response, schema), response };
  }

  /** Follows `ConfigHub-Continue` until a page comes without it, within the page and item caps. */
  async listAll<T>(
    req: ApiGet,
    schema: z.ZodType<T[]>,
    notFound: () => ConfigHubError,
    maxItems: number,
    what: string,
  ): Promise<T[]> {
    const items: T[] = [];
    let token: string | undefined;
    const seen = new Set<string>();
    for (let page = 1; ; page++) {
      if (page > this.limits.maxPages) {
        throw new LimitExceededError(
          `${req.route}: still more ${what} after ${this.limits.maxPages} pages of ${this.pageSize}; narrow the selection or raise the page limit`,
          { route: req.route },
        );
      }
      const query: Array<readonly [string, string]> = [
        ...(req.query ?? []),
        ['limit', String(this.pageSize)],
      ];
      if (token !== undefined) query.push(['continue', token]);
      const { body, response } = await this.getJson({ ...req, query }, schema, notFound);
      items.push(...body);
      if (items.length > maxItems) {
        throw new LimitExceededError(
          `${req.route}: more than ${maxItems} ${what} selected; narrow the selection`,
          {
            route: req.route,
          },
        );
      }
      token = headerValue(response.headers, CONTINUE_HEADER) || undefined;
      if (token === undefined) return items;
      // A token handed out twice means the server's paging loops: stop now rather than at the page cap.
      if (seen.has(token)) {
        throw new LimitExceededError(
          `${req.route}: the server repeated a ConfigHub-Continue token after ${page} pages; its paging loops`,
          { route: req.route },
        );
      }
      seen.add(token);
    }
  }
}
