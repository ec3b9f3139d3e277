// API errors: each carries the status the emulator answers with; messages never contain credentials.

export class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly status: number;
  readonly headers: Record<string, string>;

  constructor(status: number, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.headers = headers;
  }
}

export const badRequest = (message: string): HttpError => new HttpError(400, message);
export const unauthorized = (message: string): HttpError => new HttpError(401, message);
export const forbidden = (message: string): HttpError => new HttpError(403, message);
export const notFound = (message: string): HttpError => new HttpError(404, message);

/** The body the real API sends with 4xx/5xx answers. */
export function errorBody(status: number, message: string): { Code: string; Message: string } {
  return { Code: String(status), Message: message };
}
