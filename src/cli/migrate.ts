import { ConfigError, loadConfig } from '../platform/config.js';
import { connectDatabase } from '../platform/db/connect.js';
import { migrate } from '../platform/db/migrate.js';

/** `npm run db:migrate`: applies pending migrations to DATABASE_URL's database, or the embedded one. */
try {
  const config = loadConfig();
  const connected = await connectDatabase(config, () => {}, 'atrium-migrate', (msg) => console.warn(msg));
  try {
    const applied = await migrate(connected.database.pool, (msg) => console.log(msg));
    console.log(applied.length ? `applied ${applied.length} migration(s)` : 'database is up to date');
  } finally {
    await connected.shutdown();
  }
} catch (err) {
  console.error(err instanceof ConfigError ? `${err.message}\nSee docs/configuration.md for every variable.` : `Migration failed: ${(err as Error).message}`);
  process.exitCode = 1;
}
