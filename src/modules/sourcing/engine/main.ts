/**
 * `npx tsx src/modules/sourcing/engine/main.ts`: the scoring service on its own (PORT, default 4100; HOST, default 127.0.0.1).
 * SOURCING_SCORING_SECRET (or ATRIUM_JWT_SECRET) must be the module's: it verifies the service JWT.
 */
import { buildScoringService } from './server.js';

const secret = process.env.SOURCING_SCORING_SECRET ?? process.env.ATRIUM_JWT_SECRET;
if (!secret || secret.length < 32) {
  console.error('SOURCING_SCORING_SECRET (or ATRIUM_JWT_SECRET) of at least 32 characters is required.');
  process.exit(1);
}
const app = buildScoringService({ secret, logger: true });
const port = Number(process.env.PORT ?? 4100);
await app.listen({ host: process.env.HOST ?? '127.0.0.1', port });
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => { void app.close().then(() => process.exit(0)); });
