import pino from 'pino';
import { loadConfig } from '../platform/config.js';
import { connectDatabase } from '../platform/db/connect.js';
import { migrate } from '../platform/db/migrate.js';
import { ensureAdmin } from '../platform/auth/bootstrap.js';
import { buildApp } from '../app.js';
import { seedModules } from '../modules/seed.js';

/** `npm run seed`: migrates, then writes the demo data of every enabled module that does not have it yet. */
const config = loadConfig();
const log = pino({ level: config.logLevel });
const connected = await connectDatabase(config, () => {}, 'atrium-seed');
try {
  await migrate(connected.database.pool);
  await ensureAdmin(connected.database.db, config);
  const app = await buildApp({ config, database: connected.database, logger: log, role: 'api' });
  await app.ready();
  const { failed } = await seedModules(app, config, log);
  await app.close();
  console.log(failed.length ? `demo data failed for: ${failed.join(', ')}` : 'demo data is in place');
  process.exitCode = failed.length ? 1 : 0;
} finally {
  await connected.shutdown();
}
