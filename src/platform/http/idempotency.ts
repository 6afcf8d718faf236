import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import type { Db } from '../db/pool.js';
import { conflict, unprocessable, badRequest } from './errors.js';

const HEADER = 'idempotency-key';
const ABANDONED_AFTER = '5 minutes';
const STORE = Symbol('idempotency');
// Responses that depend on who calls or on load, not on the body, are not kept: a retry should run again.
const KEPT = (status: number) => status < 500 && ![401, 403, 404, 429].includes(status);

interface Pending { scope: string; key: string }

const requestHash = (req: FastifyRequest) =>
  createHash('sha256').update(`${req.method} ${req.routeOptions.url}\n${JSON.stringify(req.params)}\n${JSON.stringify(req.body ?? null)}`).digest('hex');

/**
 * `Idempotency-Key` for routes with `config: { idempotent: true }`: the same key and body answer the first
 * response again; the same key with another body is refused with 422; a retry while the first is still
 * running gets 409 (for up to 5 minutes; then it counts as abandoned). Keys are scoped to the caller
 * (user, else client address) and kept 24 hours.
 */
export function registerIdempotency(app: FastifyInstance, db: Db): void {
  app.addHook('preHandler', async (req: FastifyRequest & { [STORE]?: Pending }, reply: FastifyReply) => {
    if (!req.routeOptions.config.idempotent) return;
    const key = req.headers[HEADER];
    if (key === undefined) return;
    if (typeof key !== 'string' || key.length === 0 || key.length > 255) {
      throw badRequest('invalid_idempotency_key', 'Idempotency-Key must be 1 to 255 characters.', [{ path: 'header.idempotency-key', message: 'is invalid' }]);
    }
    const scope = req.user ? `user:${req.user.id}` : `ip:${req.ip}`;
    const hash = requestHash(req);
    // A first attempt still "in progress" after ABANDONED_AFTER died with its process (a restart during
    // the request): it never answered, so this retry takes the key over instead of waiting a day.
    const inserted = await db.insertInto('platform.idempotency_keys')
      .values({ scope, key, request_hash: hash })
      .onConflict((oc) => oc.columns(['scope', 'key'])
        .doUpdateSet({ request_hash: hash, created_at: sql`now()` } as never)
        .where('platform.idempotency_keys.state', '=', 'in_progress')
        .where('platform.idempotency_keys.created_at', '<', sql<Date>`now() - ${ABANDONED_AFTER}::interval`))
      .returning('key').executeTakeFirst();
    if (inserted) {
      req[STORE] = { scope, key };
      return;
    }
    const previous = await db.selectFrom('platform.idempotency_keys').selectAll().where('scope', '=', scope).where('key', '=', key).executeTakeFirst();
    if (!previous) throw conflict('idempotency_in_progress', 'A request with this Idempotency-Key was just abandoned; retry.');
    if (previous.request_hash !== hash) {
      throw unprocessable('idempotency_key_reused', 'This Idempotency-Key was used with a different request. Use a new key for a new request.');
    }
    if (previous.state !== 'done') throw conflict('idempotency_in_progress', 'The first request with this Idempotency-Key is still running; retry in a moment.');
    reply.header('idempotent-replayed', 'true');
    reply.code(previous.status_code!).type(previous.response_type ?? 'application/json');
    return reply.send(previous.response_body);
  });

  app.addHook('onSend', async (req: FastifyRequest & { [STORE]?: Pending }, reply, payload) => {
    const pending = req[STORE];
    if (!pending) return payload;
    req[STORE] = undefined;
    const where = db.updateTable('platform.idempotency_keys').where('scope', '=', pending.scope).where('key', '=', pending.key);
    if (KEPT(reply.statusCode) && (typeof payload === 'string' || payload === null || payload === undefined)) {
      await where.set({ state: 'done', status_code: reply.statusCode, response_body: (payload as string | null) ?? '', response_type: String(reply.getHeader('content-type') ?? '') }).execute();
    } else {
      await db.deleteFrom('platform.idempotency_keys').where('scope', '=', pending.scope).where('key', '=', pending.key).execute();
    }
    return payload;
  });
}

/** Keys older than a day are forgotten (run by the cleanup job; exported for it and for tests). */
export async function purgeIdempotencyKeys(db: Db, olderThanHours = 24): Promise<number> {
  const result = await db.deleteFrom('platform.idempotency_keys')
    .where('created_at', '<', new Date(Date.now() - olderThanHours * 3_600_000)).executeTakeFirst();
  return Number(result.numDeletedRows);
}
