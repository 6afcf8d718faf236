/** An RFC 9457 problem answered by the API (or made up here when the server could not be reached). */
export interface ProblemBody {
  type?: string;
  title?: string;
  status: number;
  detail: string;
  code: string;
  errors?: { path: string; message: string }[];
  requestId?: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly errors: { path: string; message: string }[];
  readonly requestId?: string;
  readonly retryAfter?: number;

  constructor(problem: ProblemBody, retryAfter?: number) {
    super(problem.detail);
    this.name = 'ApiError';
    this.status = problem.status;
    this.code = problem.code;
    this.detail = problem.detail;
    this.errors = problem.errors ?? [];
    this.requestId = problem.requestId;
    this.retryAfter = retryAfter;
  }

  /** `{ email: 'is required' }` from errors whose path is `body.email` (or `query.email`). */
  fieldErrors(): Record<string, string> {
    const fields: Record<string, string> = {};
    for (const e of this.errors) {
      const field = e.path.replace(/^(body|query|params|querystring)\.?/, '');
      if (field && !fields[field]) fields[field] = e.message;
    }
    return fields;
  }

  /** Errors that name no field of the form, so the form shows them above its buttons. */
  generalErrors(knownFields: string[]): string[] {
    return this.errors
      .filter((e) => !knownFields.includes(e.path.replace(/^(body|query|params|querystring)\.?/, '')))
      .map((e) => `${e.path.replace(/^(body|query|params|querystring)\.?/, '') || 'request'}: ${e.message}`);
  }
}

export const networkError = () => new ApiError({ status: 0, code: 'network_error', detail: '' });

export async function problemFrom(res: Response): Promise<ApiError> {
  const retryAfter = Number(res.headers.get('retry-after')) || undefined;
  try {
    const body = await res.json() as Partial<ProblemBody>;
    if (body && typeof body.detail === 'string') {
      return new ApiError({ ...body, status: res.status, code: body.code ?? 'error', detail: body.detail }, retryAfter);
    }
  } catch {
    // not JSON: a proxy's error page, for instance
  }
  return new ApiError({ status: res.status, code: `http_${res.status}`, detail: res.statusText || `HTTP ${res.status}` }, retryAfter);
}
