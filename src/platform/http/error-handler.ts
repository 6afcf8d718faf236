import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError, type FieldError } from './errors.js';
import { problem } from './problem.js';

interface PgError { code?: string; constraint?: string; detail?: string; table?: string; column?: string; schema?: string }

interface AjvError { instancePath?: string; keyword: string; message?: string; params?: Record<string, unknown> }

const CONTEXT_NAMES: Record<string, string> = { querystring: 'query' };

/**
 * One entry per bad field, in words a form can show. Ajv reports every branch of a union that failed
 * (`must be null`, `must be equal to constant` twice, `must match a schema in anyOf`); the branch that
 * explains the problem is kept and a union of constants becomes "must be one of: …".
 */
function validationErrors(err: FastifyError): FieldError[] {
  const raw = (err as { validationContext?: string }).validationContext ?? 'body';
  const context = CONTEXT_NAMES[raw] ?? raw;
  const items = ((err.validation ?? []) as AjvError[]).map((v) => {
    // JSON pointer `/items/0/start` → `items[0].start`, the form the API's own field errors use.
    const base = (v.instancePath ?? '').split('/').slice(1).map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');
    const params = v.params ?? {};
    const leaf = (params.missingProperty ?? params.additionalProperty) as string | undefined;
    const field = [base, leaf].filter(Boolean).join('.');
    let message = v.message ?? 'is invalid';
    if (params.missingProperty) message = 'is required';
    if (params.additionalProperty) message = 'is not an allowed field';
    return { path: field ? `${context}.${field}` : context, keyword: v.keyword, message, params };
  });
  const explainedBelowOrBeside = (path: string, self: AjvError) => items.some((o) => o !== self
    && !['anyOf', 'oneOf'].includes(o.keyword) && !(o.keyword === 'type' && o.params.type === 'null')
    && (o.path === path || o.path.startsWith(`${path}.`)));
  const out: FieldError[] = [];
  const constants = new Map<string, unknown[]>();
  for (const item of items) {
    const unionNoise = ['anyOf', 'oneOf'].includes(item.keyword) || (item.keyword === 'type' && item.params.type === 'null');
    if (unionNoise && explainedBelowOrBeside(item.path, item)) continue;
    if (item.keyword === 'const') {
      if (!constants.has(item.path)) constants.set(item.path, []);
      constants.get(item.path)!.push(item.params.allowedValue);
      continue;
    }
    if (!out.some((o) => o.path === item.path && o.message === item.message)) out.push({ path: item.path, message: item.message });
  }
  for (const [path, allowed] of constants) {
    out.push({ path, message: allowed.length === 1 ? `must be ${JSON.stringify(allowed[0])}` : `must be one of: ${allowed.map((a) => JSON.stringify(a)).join(', ')}` });
  }
  return out;
}

/** Database rule violations that reach the edge: the constraint says what went wrong. */
function fromDatabase(err: PgError): HttpError | undefined {
  switch (err.code) {
    case '23505': return new HttpError(409, 'already_exists', `A record with the same ${err.constraint ?? 'key'} already exists.`);
    case '23503': return new HttpError(409, 'reference_conflict', `This record is referenced by, or refers to, another that ${err.detail?.includes('is still referenced') ? 'still uses it' : 'does not exist'}.`);
    case '23514': return new HttpError(422, 'constraint_violation', `The values break the rule ${err.constraint ?? ''}.`.replace(' .', '.'));
    case '23502': return new HttpError(422, 'missing_value', `${err.column ?? 'A field'} is required.`);
    case '22P02': return new HttpError(400, 'invalid_value', 'A value has the wrong format.');
    default: return undefined;
  }
}

/** Fastify's own 4xx errors, in the API's vocabulary rather than the framework's. */
const FRAMEWORK_CODES: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_content_length',
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
};

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError & PgError, req: FastifyRequest, reply: FastifyReply) => {
    if (err.validation) {
      return send(reply, req, 400, 'validation_failed', 'The request has invalid fields; see errors.', validationErrors(err));
    }
    if (err instanceof HttpError) {
      if (err.headers) reply.headers(err.headers);
      return send(reply, req, err.status, err.code, err.message, err.errors, err.extensions);
    }
    const fromDb = fromDatabase(err);
    if (fromDb) return send(reply, req, fromDb.status, fromDb.code, fromDb.message);
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const code = FRAMEWORK_CODES[err.code] ?? (err.code ?? 'bad_request').replace(/^FST_ERR_/, '').toLowerCase();
      return send(reply, req, status, code, err.message);
    }
    req.log.error({ err }, 'unhandled error');
    return send(reply, req, 500, 'internal_error', `An unexpected error occurred. Quote request id ${req.id} when reporting it.`);
  });

  app.setNotFoundHandler((req, reply) =>
    send(reply, req, 404, 'route_not_found', `No route ${req.method} ${req.url.split('?')[0]}.`));
}

function send(reply: FastifyReply, req: FastifyRequest, status: number, code: string, detail: string, errors: FieldError[] = [], extensions: Record<string, unknown> = {}) {
  return reply.code(status).type('application/problem+json').send({ ...extensions, ...problem(status, code, detail, String(req.id), errors) });
}
