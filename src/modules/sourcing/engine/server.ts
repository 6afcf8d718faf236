import Fastify, { type FastifyInstance } from 'fastify';
import { jwtVerify } from 'jose';
import { HttpError } from '../../../platform/http/errors.js';
import { ENGINE_VERSION } from '../scoring/params.js';
import { SERVICE_PATHS, type ServicePath } from '../scoring/contract.js';
import { handleScoring } from '../scoring/service.js';
import { SERVICE_AUDIENCE, SERVICE_ISSUER } from './engine.js';

/**
 * The scoring package as its own stateless HTTP service (spec §5.8): the paths of §4.7 plus GET /health, each call
 * carrying a service JWT signed with the shared secret. Same functions as in process.
 */
export function buildScoringService(options: { secret: string; logger?: boolean }): FastifyInstance {
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: 16 * 1024 * 1024 });
  const key = new TextEncoder().encode(options.secret);

  app.setErrorHandler((err: any, req, reply) => {
    const status = err instanceof HttpError ? err.status : err.validation ? 400 : (err.statusCode ?? 500);
    const code = err instanceof HttpError ? err.code : err.validation ? 'validation_failed' : status >= 500 ? 'internal_error' : 'bad_request';
    if (status >= 500) req.log.error(err);
    return reply.code(status).type('application/problem+json').send({
      type: 'about:blank', status, code, detail: status >= 500 ? 'Internal error.' : err.message, errors: err instanceof HttpError ? (err.errors ?? []) : [],
    });
  });

  app.get('/health', async () => ({ status: 'ok', engineVersion: ENGINE_VERSION }));

  for (const [path, schema] of Object.entries(SERVICE_PATHS) as [ServicePath, (typeof SERVICE_PATHS)[ServicePath]][]) {
    app.post(path, {
      schema: { body: schema },
      preHandler: async (req) => {
        const header = req.headers.authorization ?? '';
        const token = header.startsWith('Bearer ') ? header.slice(7) : '';
        try {
          await jwtVerify(token, key, { issuer: SERVICE_ISSUER, audience: SERVICE_AUDIENCE, algorithms: ['HS256'] });
        } catch {
          throw new HttpError(401, 'unauthorized', 'A valid service token is required.');
        }
      },
    }, async (req) => handleScoring(path, req.body));
  }
  return app;
}
