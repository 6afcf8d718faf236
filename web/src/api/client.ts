/** A typed client for the public API: paths, parameters, bodies and answers come from schema.d.ts. */
import type { paths } from './schema';
import { ApiError, networkError, problemFrom } from './problem';
import { accessToken, refreshSession } from './session';

export const TOTP_REQUIRED_EVENT = 'atrium:totp-required';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Op<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;
export type PathsFor<M extends Method> = { [P in keyof paths]: [NonNullable<paths[P][M]>] extends [never] ? never : P }[keyof paths];

type PathParams<O> = O extends { parameters: { path?: infer X } } ? ([NonNullable<X>] extends [never] ? never : NonNullable<X>) : never;
type QueryOf<O> = O extends { parameters: { query?: infer Q } } ? ([NonNullable<Q>] extends [never] ? never : NonNullable<Q>) : never;
type BodyOf<O> = O extends { requestBody?: infer B }
  ? ([NonNullable<B>] extends [never] ? never : NonNullable<B> extends { content: { 'application/json': infer J } } ? J : never)
  : never;
type Json<R> = R extends { content: { 'application/json': infer J } } ? J : never;
type SuccessOf<O> = O extends { responses: infer R }
  ? (200 extends keyof R ? Json<R[200]> : never) | (201 extends keyof R ? Json<R[201]> : never) | (202 extends keyof R ? Json<R[202]> : never) | (204 extends keyof R ? null : never)
  : never;

export type ApiResult<P extends keyof paths, M extends Method> = SuccessOf<Op<P, M>>;
export type ApiBody<P extends keyof paths, M extends Method> = BodyOf<Op<P, M>>;
export type ApiQuery<P extends keyof paths, M extends Method> = QueryOf<Op<P, M>>;

type Options<O> =
  & ([PathParams<O>] extends [never] ? { params?: undefined } : { params: PathParams<O> })
  & ([QueryOf<O>] extends [never] ? { query?: undefined } : { query?: Partial<QueryOf<O>> })
  & ([BodyOf<O>] extends [never] ? { body?: undefined } : { body: BodyOf<O> })
  & { signal?: AbortSignal; headers?: Record<string, string>; auth?: boolean };

interface RawOptions {
  params?: Record<string, string | number>;
  query?: Record<string, unknown>;
  body?: unknown;
  signal?: AbortSignal;
  headers?: Record<string, string>;
  auth?: boolean;
}

export function buildUrl(path: string, params?: Record<string, string | number>, query?: Record<string, unknown>): string {
  const filled = path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params?.[name];
    if (value === undefined) throw new Error(`missing path parameter ${name} for ${path}`);
    return encodeURIComponent(String(value));
  });
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) v.forEach((x) => search.append(k, String(x)));
    else search.set(k, String(v));
  }
  const qs = search.toString();
  return qs ? `${filled}?${qs}` : filled;
}

export async function request<T>(method: string, path: string, options: RawOptions = {}): Promise<T> {
  const url = buildUrl(path, options.params, options.query);
  const send = async (token: string | null) => {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (token) headers.authorization = `Bearer ${token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await fetch(url, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body), signal: options.signal });
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      throw networkError();
    }
  };
  const token = options.auth === false ? null : await accessToken();
  let res = await send(token);
  if (res.status === 401 && token) {
    const problem = await problemFrom(res.clone());
    if (problem.code === 'invalid_token') {
      const fresh = await refreshSession(token);
      if (fresh) res = await send(fresh.accessToken);
    }
  }
  if (!res.ok) {
    const problem = await problemFrom(res);
    // A role of this user requires two-factor and this session has not passed it: the shell sends them to enrol.
    if (problem.code === 'totp_required') window.dispatchEvent(new Event(TOTP_REQUIRED_EVENT));
    throw problem;
  }
  if (res.status === 204) return null as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : null) as T;
}

function method<M extends Method>(m: M) {
  return <P extends PathsFor<M>>(path: P, ...[options]: {} extends Options<Op<P, M>> ? [Options<Op<P, M>>?] : [Options<Op<P, M>>]) =>
    request<SuccessOf<Op<P, M>>>(m.toUpperCase(), path as string, options as RawOptions);
}

export const api = {
  get: method('get'),
  post: method('post'),
  put: method('put'),
  patch: method('patch'),
  delete: method('delete'),
};

export { ApiError };
