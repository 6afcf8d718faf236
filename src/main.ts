import pino from 'pino';
import { ConfigError, loadConfig, type Config } from './platform/config.js';
import { connectDatabase, type ConnectedDatabase } from './platform/db/connect.js';
import { migrate } from './platform/db/migrate.js';
import { ensureAdmin } from './platform/auth/bootstrap.js';
import { buildApp } from './app.js';
import { seedModules } from './modules/seed.js';
import type { App } from './platform/types.js';

type ProcessRole = 'all' | 'api' | 'worker';

function parseRole(argv: string[]): ProcessRole {
  const arg = argv.find((a) => a.startsWith('--role='));
  const role = arg ? arg.slice('--role='.length) : 'all';
  if (role !== 'all' && role !== 'api' && role !== 'worker') {
    console.error(`Unknown --role=${role}; use --role=api, --role=worker, or neither (both in one process).`);
    process.exit(2);
  }
  return role;
}

function banner(config: Config, admin: { created: boolean; email: string }, role: ProcessRole): string {
  const url = `http://${config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host}:${config.port}`;
  const login = admin.created || !config.admin.fromEnvironment
    ? `${admin.email} / ${config.admin.fromEnvironment ? '(ATRIUM_ADMIN_PASSWORD)' : config.admin.password}${admin.created ? '' : ' (demo default, unless changed since)'}`
    : `${admin.email} (password from ATRIUM_ADMIN_PASSWORD when it was created)`;
  return [
    `Atrium is running (${role === 'all' ? 'api + workers' : role}) at ${url}`,
    `  API docs:  ${url}/docs   (OpenAPI: ${url}/openapi.json)`,
    `  Sign in:   ${login}`,
    `  Database:  ${config.databaseUrl ? 'DATABASE_URL' : `embedded PostgreSQL in ${config.dataDir} (port ${config.embeddedPgPort})`}`,
  ].join('\n');
}

async function main() {
  const role = parseRole(process.argv.slice(2));
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`${err.message}\nSee docs/configuration.md for every variable.`);
      process.exit(1);
    }
    throw err;
  }
  const log = pino({ level: config.logLevel });
  let connected: ConnectedDatabase | undefined;
  let app: App | undefined;
  let stopping = false;

  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: no new requests, finishing the ones in flight');
    const force = setTimeout(() => {
      log.error('shutdown took over 20 s; exiting');
      process.exit(1);
    }, 20_000);
    force.unref();
    try {
      await app?.close();
      await connected?.shutdown();
      log.info('stopped');
      process.exit(0);
    } catch (err) {
      log.error({ err }, 'error while shutting down');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  try {
    connected = await connectDatabase(config, (msg) => log.debug(msg), `atrium-${role}`, (msg) => log.warn(msg));
    const applied = await migrate(connected.database.pool, (msg) => log.debug(msg));
    if (applied.length) log.debug({ applied }, 'migrations applied');
    const admin = await ensureAdmin(connected.database.db, config);
    app = await buildApp({ config, database: connected.database, logger: log, role });
    if (role === 'worker') {
      await app.ready();
      console.log(`Atrium worker started (database: ${config.databaseUrl ? 'DATABASE_URL' : config.dataDir}); no HTTP listener in this role.`);
      return;
    }
    await app.listen({
      host: config.host,
      port: config.port,
      // Printed before the log line of the listener so that the first lines a person sees say where and how to sign in.
      listenTextResolver: (address) => {
        console.log(banner(config, admin, role));
        return `http server listening at ${address}`;
      },
    });
    if (config.seedDemo) await seedModules(app, config, log);
  } catch (err) {
    const message = err instanceof Error ? err.message : `unknown failure: ${String(err)}`;
    console.error(`Atrium could not start: ${message}`);
    await app?.close().catch(() => {});
    await connected?.shutdown().catch(() => {});
    process.exit(1);
  }
}

void main();
