import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type DatabaseHandle } from './pool.js';

/**
 * Test databases: test/run.ts migrates one template database per run (ATRIUM_TEST_TEMPLATE on the server
 * of ATRIUM_TEST_SERVER_URL); each test file clones it, which takes milliseconds instead of a migration.
 */
function serverUrl(): string {
  const url = process.env.ATRIUM_TEST_SERVER_URL;
  if (!url) throw new Error('ATRIUM_TEST_SERVER_URL is not set: run the tests with `npm test` (test/run.ts prepares the database server).');
  return url;
}

export function databaseUrl(server: string, name: string): string {
  const url = new URL(server);
  url.pathname = `/${name}`;
  return url.toString();
}

export interface TestDatabase extends DatabaseHandle {
  name: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const template = process.env.ATRIUM_TEST_TEMPLATE;
  if (!template) throw new Error('ATRIUM_TEST_TEMPLATE is not set: run the tests with `npm test`.');
  const name = `atrium_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl() });
  await admin.connect();
  try {
    await admin.query(`create database ${name} template ${template}`);
  } finally {
    await admin.end();
  }
  const handle = openDatabase(databaseUrl(serverUrl(), name), { max: 10, applicationName: 'atrium-test' });
  return {
    ...handle,
    name,
    async drop() {
      await handle.close();
      const client = new pg.Client({ connectionString: serverUrl() });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}
