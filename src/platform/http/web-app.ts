import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../types.js';

export const WEB_DIST = path.resolve(import.meta.dirname, '../../../web/dist');

/** Paths the server answers itself; a missing file is a 404, and anything else is a page of the web app. */
const SERVER_PATHS = /^\/(api|docs|health|metrics|openapi\.json)(\/|$)/;
// Page paths may hold dots (a queue named notify.deliver), so only these extensions mean "a file".
const ASSET = /^\/assets\/|\.(js|mjs|css|map|png|jpe?g|gif|svg|ico|webp|avif|woff2?|ttf|json|txt|webmanifest|xml|html)$/i;

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Atrium</title>
<body style="font-family:system-ui;max-width:40rem;margin:4rem auto;padding:0 1rem;line-height:1.5">
<h1>The web app is not built</h1><p>Run <code>npm run web:build</code> (or restart with <code>npm start</code>, which builds it).
The API is up: see <a href="/docs">/docs</a>.</p></body>`;

/**
 * Serves the built web app (web/dist) from the API's own origin: hashed assets cached for a year,
 * index.html for every page path so the app's router can take over (deep links, reloads).
 */
export async function registerWebApp(app: App, root = WEB_DIST): Promise<void> {
  const built = existsSync(path.join(root, 'index.html'));
  if (built) {
    await app.register(fastifyStatic, {
      root,
      prefix: '/',
      // Routes for the files that exist at start; page paths fall through to the route below.
      wildcard: false,
      index: false,
      schemaHide: true,
      cacheControl: false,
      setHeaders: (reply, file) => {
        const immutable = file.includes(`${path.sep}assets${path.sep}`);
        reply.header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
  }

  const page = async (req: FastifyRequest, reply: FastifyReply) => {
    const pathname = req.url.split('?')[0]!;
    if (SERVER_PATHS.test(pathname) || ASSET.test(pathname)) return reply.callNotFound();
    if (!built) return reply.code(503).type('text/html; charset=utf-8').send(NOT_BUILT);
    return reply.header('cache-control', 'no-cache').sendFile('index.html');
  };
  app.get('/', { schema: { hide: true }, config: { public: true } }, page);
  app.get('/*', { schema: { hide: true }, config: { public: true } }, page);
}
