import websocket from '@fastify/websocket';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { App } from '../types.js';
import { authenticatedUser } from '../auth/guards.js';
import { HttpError, unauthorized } from '../http/errors.js';
import { problemResponses } from '../http/problem.js';
import type { RealtimeHub } from './hub.js';

/** Client frames are small (a topic name); anything bigger is a mistake or an attack. */
const MAX_CLIENT_FRAME_BYTES = 4 * 1024;

const STREAM_DESCRIPTION = `A WebSocket (\`ws://\` or \`wss://\`) carrying JSON frames; see docs/realtime.md.

**Authentication** (checked before the upgrade; a bad or expired credential answers 401 and no socket opens):
\`Authorization: Bearer <access token>\`, or \`?ticket=\` from \`POST /api/v1/stream/ticket\` (browsers cannot set headers on a WebSocket).

**Client frames:** \`{"type":"subscribe","topic":"user:<id>"}\`, \`{"type":"unsubscribe","topic":…}\`, \`{"type":"ping"}\`.

**Server frames:** \`{"type":"subscribed","topic"}\`, \`{"type":"unsubscribed","topic"}\`,
\`{"type":"event","topic","event","data","id"}\` (\`event\` is the event's name, e.g. \`inbox.message\`; \`id\` a UUIDv7),
\`{"type":"pong"}\`, \`{"type":"error","code","message","topic"?}\` with code \`malformed_frame\`, \`invalid_topic\`, \`unknown_topic\`,
\`forbidden_topic\`, \`too_many_subscriptions\`, \`subscription_revoked\` or \`internal_error\`. A refused subscription never receives data.

**Close codes:** 4001 session ended (logout, revocation), 4003 two-factor required, 4008 slow consumer (unread data over 1 MiB),
1001 server shutting down, 1008 too many frames in flight, 1009 a client frame over 4 KiB. The server pings every 30 s and cuts a socket that did not answer.`;

const Ticket = Type.Object({
  ticket: Type.String({ description: 'Put it in the stream URL: /api/v1/stream?ticket=…' }),
  expiresIn: Type.Integer({ description: 'Seconds the ticket stays valid for opening a socket' }),
});

export async function registerRealtime(app: App, hub: RealtimeHub): Promise<void> {
  const { platform } = app;
  // Added before the plugin's own preClose, so clients get 1001 and a moment to leave before the cut.
  app.addHook('preClose', async () => hub.closeSockets());
  await app.register(websocket, { options: { maxPayload: MAX_CLIENT_FRAME_BYTES, perMessageDeflate: false } });
  app.addHook('onReady', async () => hub.start(platform));
  app.addHook('onClose', async () => hub.close());

  app.post('/api/v1/stream/ticket', {
    schema: {
      tags: ['realtime'],
      summary: 'A one-minute ticket that opens the stream (for browsers)',
      description: 'The ticket carries this session: it stops working when the session ends, and after 60 s.',
      response: { 200: Ticket, ...problemResponses(401, 403) },
    },
    preHandler: app.requireAuth,
  }, async (req) => {
    const user = authenticatedUser(req);
    const ticket = await platform.tokens.signTicket({ sub: user.id, sid: user.sessionId, roles: user.roles, totpAt: user.totpAt });
    return { ticket, expiresIn: 60 };
  });

  // The upgrade cannot use the guards: a browser sends its credential as ?ticket=, which they do not read.
  // So the route is public to the onRoute check and authenticates itself in preHandler, before any upgrade:
  // the token (header, checked by the app's onRequest hook) or the ticket, a live session, two-factor rules.
  app.route({
    method: 'GET',
    url: '/api/v1/stream',
    schema: {
      tags: ['realtime'],
      summary: 'Live events over a WebSocket',
      description: STREAM_DESCRIPTION,
      querystring: Type.Object({ ticket: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })) }, { additionalProperties: false }),
      response: {
        101: { description: 'Switching Protocols: the socket is open', type: 'null' },
        ...problemResponses(400, 401, 403, 426),
      },
    },
    config: { public: true },
    preHandler: async (req: FastifyRequest) => {
      const { ticket } = req.query as { ticket?: string };
      if (ticket) {
        const claims = await platform.tokens.verifyTicket(ticket);
        if (!claims || !(await platform.sessions.isLive(claims.sid))) {
          throw unauthorized('invalid_ticket', 'This stream ticket is invalid or expired; get a new one from POST /api/v1/stream/ticket.');
        }
        req.user = { id: claims.sub, roles: claims.roles, sessionId: claims.sid, totpAt: claims.totpAt };
      }
      authenticatedUser(req);
    },
    handler: async () => {
      throw new HttpError(426, 'upgrade_required', 'This endpoint speaks WebSocket: open it with ws:// or wss://.', undefined, { upgrade: 'websocket' });
    },
    wsHandler: (socket, req) => {
      const user = authenticatedUser(req);
      hub.accept(socket, user);
      req.log.info({ user: user.id }, 'stream opened');
    },
  });
}
