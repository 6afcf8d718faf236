import type { Config } from '../config.js';
import { EmbeddedPostgres } from './embedded.js';
import { openDatabase, type DatabaseHandle } from './pool.js';

export interface ConnectedDatabase {
  database: DatabaseHandle;
  embedded?: EmbeddedPostgres;
  /** Closes the pool, then stops the embedded server if this process started it. */
  shutdown(): Promise<void>;
}

/**
 * DATABASE_URL when set; otherwise an embedded PostgreSQL under ATRIUM_DATA_DIR, database `atrium`.
 * `log` gets the embedded server's output; `notice` what a person should see (a stale server handled).
 */
export async function connectDatabase(config: Config, log: (msg: string) => void, applicationName = 'atrium', notice = log): Promise<ConnectedDatabase> {
  let embedded: EmbeddedPostgres | undefined;
  let url = config.databaseUrl;
  if (!url) {
    embedded = new EmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPgPort, log: (line) => log(`postgres: ${line}`), notice });
    await embedded.start();
    url = await embedded.ensureDatabase('atrium');
  }
  const database = openDatabase(url, { max: config.dbPoolMax, applicationName });
  try {
    await database.pool.query('select 1');
  } catch (err) {
    await database.close();
    await embedded?.stop();
    throw new Error(`Cannot reach the database${config.databaseUrl ? ' at DATABASE_URL' : ''}: ${(err as Error).message}`);
  }
  return {
    database,
    embedded,
    async shutdown() {
      await database.close();
      await embedded?.stop();
    },
  };
}
