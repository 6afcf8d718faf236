/** The error vocabulary every route uses; the error handler turns these into problem+json. */
export interface FieldError { path: string; message: string }

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly errors?: FieldError[],
    readonly headers?: Record<string, string>,
    /** RFC 9457 extension members sent beside the standard fields, e.g. `{ conflictingReadingId }`. */
    readonly extensions?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (code: string, detail: string, errors?: FieldError[]) => new HttpError(400, code, detail, errors);
export const unauthorized = (code = 'unauthorized', detail = 'Sign in to continue.') => new HttpError(401, code, detail);
export const forbidden = (code = 'forbidden', detail = 'You do not have permission to do this.') => new HttpError(403, code, detail);
/** Also the answer for a record outside the caller's scope: it never reveals that the record exists. */
export const notFound = (code = 'not_found', detail = 'No such resource.') => new HttpError(404, code, detail);
export const conflict = (code: string, detail: string) => new HttpError(409, code, detail);
export const unprocessable = (code: string, detail: string, errors?: FieldError[]) => new HttpError(422, code, detail, errors);
export const tooManyRequests = (code: string, detail: string, retryAfterSeconds: number) =>
  new HttpError(429, code, detail, undefined, { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) });
export const serviceUnavailable = (code: string, detail: string) => new HttpError(503, code, detail);
