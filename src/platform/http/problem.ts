import { Type, type Static } from 'typebox';

export const STATUS_TITLES: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  406: 'Not Acceptable', 409: 'Conflict', 413: 'Content Too Large', 415: 'Unsupported Media Type',
  422: 'Unprocessable Content', 429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway',
  503: 'Service Unavailable', 504: 'Gateway Timeout',
};

/** RFC 9457 problem details, as every error response carries them. */
export const Problem = Type.Object({
  type: Type.String(),
  title: Type.String(),
  status: Type.Integer(),
  detail: Type.String(),
  code: Type.String(),
  errors: Type.Array(Type.Object({ path: Type.String(), message: Type.String() })),
  requestId: Type.String(),
}, { $id: 'Problem', additionalProperties: true, description: 'RFC 9457 problem details; some errors add extension members named in their route documentation' });
export type Problem = Static<typeof Problem>;

export function problem(status: number, code: string, detail: string, requestId: string, errors: Problem['errors'] = []): Problem {
  return {
    type: `/problems/${code}`,
    title: STATUS_TITLES[status] ?? 'Error',
    status,
    detail,
    code,
    errors,
    requestId,
  };
}

/** Response schemas for the error statuses a route can answer; spread into `schema.response`. */
export const problemResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [s, Type.Ref('Problem')]));
