// HTTP transport for ConfigHub: one undici dispatcher per client, timeouts, bounded reads, retries with
// backoff on 429/5xx/connection errors, and no redirects (credentials must never travel elsewhere).
import { Agent, type Dispatcher, request } from 'undici';
import { errorCode, errorMessage } from '../util/errors.ts';
import { parseRetryAfter, withDeadline } from '../util/timers.ts';
import { describeErrorBody, scrub } from './error-body.ts';
import { AbortedError, LimitExceededError, UpstreamUnavailableError } from './errors.ts';
import { encodeQuery, type HttpRequest, type HttpResponse, headerValue } from './http-message.ts';
import { backoffDelay, RETRY_STATUSES, type RetryPolicy } from './retry-policy.ts';

export { describeErrorBody, scrub } from './error-body.ts';
export { encodeQuery, type HttpRequest, type HttpResponse, headerValue } from './http-message.ts';
export { DEFAULT_LIMITS, type Limits } from './limits.ts';
export { parseJson } from './parse-json.ts';
export { backoffDelay, DEFAULT_RETRY, type RetryPolicy } from './retry-policy.ts';

const ERROR_BODY_BYTES = 64 * 1024;

export interface TlsOptions {
  ca?: string;
  cert?: string;
  key?: string;
}

export interface TransportOptions {
  /** Server root, e.g. `https://hub.confighub.com` (already normalised). */
  server: string;
  timeoutMs: number;
  userAgent: string;
  tls?: TlsOptions;
  dispatcher?: Dispatcher;
  retry: RetryPolicy;
  /** Waits between attempts; resolves early when `signal` aborts (as util/timers' delay does). */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  random: () => number;
  now: () => number;
  /** Values that must never appear in an error message (tokens, secrets). */
  secrets: () => string[];
  /** Called after every attempt, e.g. to feed request metrics. Must not throw. */
  onRequest?: (event: RequestEvent) => void;
}

/** One HTTP attempt as seen by the transport. */
export interface RequestEvent {
  /** Route template, e.g. `GET /api/space/{space_id}/unit`. */
  route: string;
  /** 1 for the first try, then 2, 3… for retries. */
  attempt: number;
  /** Response status; undefined when no response arrived (connection error, timeout, abort, oversized body). */
  status: number | undefined;
  durationMs: number;
}

class BodyLimitError extends Error {}

/** Stops reading a body; undici reports the abort as an error event, which is expected here. */
function discard(body: NodeJS.ReadableStream & { destroy(): void }): void {
  body.on('error', () => {});
  body.destroy();
}

const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
]);

export class Transport {
  readonly #options: TransportOptions;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;

  constructor(options: TransportOptions) {
    this.#options = options;
    if (options.dispatcher !== undefined) {
      this.#dispatcher = options.dispatcher;
      this.#ownsDispatcher = false;
    } else {
      this.#dispatcher = new Agent({
        connectTimeout: options.timeoutMs,
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
        connections: 8,
        connect: { ca: options.tls?.ca, cert: options.tls?.cert, key: options.tls?.key },
      });
      this.#ownsDispatcher = true;
    }
  }

  get options(): TransportOptions {
    return this.#options;
  }

  /**
   * Sends a request, retrying 429/5xx and connection failures. Returns any other response (2xx, 304,
   * 4xx) for the caller to interpret; throws for redirects, exhausted retries, aborts and oversized bodies.
   */
  async send(req: HttpRequest): Promise<HttpResponse> {
    const { retry } = this.#options;
    for (let attempt = 1; ; attempt++) {
      this.#throwIfAborted(req);
      let response: HttpResponse;
      const started = performance.now();
      try {
        response = await this.#once(req);
        this.#report(req, attempt, response.status, started);
      } catch (error) {
        this.#report(req, attempt, undefined, started);
        if (error instanceof BodyLimitError) {
          throw new LimitExceededError(`${req.route}: response body is larger than ${req.maxBytes} bytes`, {
            route: req.route,
          });
        }
        this.#throwIfAborted(req);
        const failure = this.#describeTransportError(error);
        if (attempt >= retry.maxAttempts) {
          throw new UpstreamUnavailableError(
            `${req.route}: ${failure} (gave up after ${attempt} attempt${attempt === 1 ? '' : 's'})`,
            { route: req.route },
          );
        }
        await this.#sleep(backoffDelay(attempt, retry, this.#options.random), req);
        continue;
      }

      if (response.status >= 300 && response.status < 400 && response.status !== 304) {
        throw new UpstreamUnavailableError(
          `${req.route}: the server answered with a redirect (${response.status}); redirects are refused so credentials never leave the configured server`,
          { route: req.route, status: response.status },
        );
      }
      if (!RETRY_STATUSES.has(response.status)) return response;

      const retryAfterMs = parseRetryAfter(headerValue(response.headers, 'retry-after'), this.#options.now());
      const what = `${response.status} ${describeErrorBody(response.body, this.#options.secrets())}`;
      if (attempt >= retry.maxAttempts) {
        throw new UpstreamUnavailableError(
          `${req.route}: ${what} (gave up after ${attempt} attempt${attempt === 1 ? '' : 's'})`,
          { route: req.route, status: response.status, retryAfterMs },
        );
      }
      if (retryAfterMs !== undefined && retryAfterMs > retry.maxRetryAfterMs) {
        throw new UpstreamUnavailableError(
          `${req.route}: ${what}; the server asked to retry after ${Math.ceil(retryAfterMs / 1000)}s`,
          { route: req.route, status: response.status, retryAfterMs },
        );
      }
      await this.#sleep(retryAfterMs ?? backoffDelay(attempt, retry, this.#options.random), req);
    }
  }

  #report(req: HttpRequest, attempt: number, status: number | undefined, started: number): void {
    try {
      this.#options.onRequest?.({
        route: req.route,
        attempt,
        status,
        durationMs: performance.now() - started,
      });
    } catch {
      // An observer must never change the outcome of a request.
    }
  }

  async close(): Promise<void> {
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }

  async #once(req: HttpRequest): Promise<HttpResponse> {
    return withDeadline(this.#options.timeoutMs, (timeout) => this.#attempt(req, timeout));
  }

  async #attempt(req: HttpRequest, timeout: AbortSignal): Promise<HttpResponse> {
    const signal = req.signal === undefined ? timeout : AbortSignal.any([req.signal, timeout]);
    const url = `${this.#options.server}${req.path}${encodeQuery(req.query ?? [])}`;
    const res = await request(url, {
      dispatcher: this.#dispatcher,
      method: req.method,
      headers: { 'user-agent': this.#options.userAgent, ...req.headers },
      body: req.body ?? null,
      signal,
      headersTimeout: this.#options.timeoutMs,
      bodyTimeout: this.#options.timeoutMs,
    });
    const limit =
      res.statusCode >= 200 && res.statusCode < 300 ? req.maxBytes : Math.min(req.maxBytes, ERROR_BODY_BYTES);
    const declared = Number(headerValue(res.headers, 'content-length'));
    if (res.statusCode >= 200 && res.statusCode < 300 && Number.isFinite(declared) && declared > limit) {
      discard(res.body);
      throw new BodyLimitError();
    }
    // A declared length lets the body be read straight into one buffer, instead of holding every chunk
    // and then a concatenated copy (twice the body at once, for units of many MiB).
    if (Number.isInteger(declared) && declared > 0 && declared <= limit) {
      const body = Buffer.allocUnsafe(declared);
      let filled = 0;
      for await (const chunk of res.body) {
        const buffer = chunk as Buffer;
        if (filled + buffer.length > declared) {
          discard(res.body);
          throw new BodyLimitError();
        }
        buffer.copy(body, filled);
        filled += buffer.length;
      }
      return { status: res.statusCode, headers: res.headers, body: body.subarray(0, filled) };
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      const buffer = chunk as Buffer;
      if (size + buffer.length > limit) {
        discard(res.body);
        if (limit === req.maxBytes) throw new BodyLimitError();
        // Error bodies are only for the message: keep the head.
        chunks.push(buffer.subarray(0, limit - size));
        size = limit;
        break;
      }
      size += buffer.length;
      chunks.push(buffer);
    }
    return { status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks, size) };
  }

  #describeTransportError(error: unknown): string {
    if (error instanceof DOMException && error.name === 'TimeoutError') {
      return `no complete answer within ${this.#options.timeoutMs}ms`;
    }
    const code = errorCode(error);
    if (code === 'UND_ERR_CONNECT_TIMEOUT') return `connection timed out after ${this.#options.timeoutMs}ms`;
    if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
      return `no answer within ${this.#options.timeoutMs}ms`;
    }
    if (code !== undefined && CONNECTION_ERROR_CODES.has(code)) return `connection failed (${code})`;
    const message = errorMessage(error);
    return `request failed: ${scrub(message, this.#options.secrets())}`;
  }

  #throwIfAborted(req: HttpRequest): void {
    if (req.signal?.aborted) {
      const reason: unknown = req.signal.reason;
      const why =
        reason instanceof DOMException && reason.name === 'TimeoutError' ? 'timed out' : 'was aborted';
      throw new AbortedError(`${req.route}: the operation ${why}`, { route: req.route });
    }
  }

  async #sleep(ms: number, req: HttpRequest): Promise<void> {
    await this.#options.sleep(ms, req.signal);
    this.#throwIfAborted(req);
  }
}
