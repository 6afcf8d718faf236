import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, ENV_VARIABLES, loadConfig } from './config.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
  assert.fail('the configuration was accepted');
}

test('an empty environment gives a working local setup: embedded database on its own port, loopback only', () => {
  const config = loadConfig({});
  assert.equal(config.env, 'development');
  assert.equal(config.host, '127.0.0.1');
  assert.equal(config.port, 3000);
  assert.equal(config.databaseUrl, undefined);
  assert.notEqual(config.embeddedPgPort, 5432);
  assert.equal(config.dataDir, path.resolve('data'));
  assert.equal(config.publicUrl, 'http://localhost:3000');
  assert.equal(config.accessTokenTtlSeconds, 900);
  assert.deepEqual(config.corsOrigins, []);
  assert.deepEqual(config.totpRequiredRoles, []);
  assert.equal(config.admin.fromEnvironment, false);
});

test('values are converted to their types', () => {
  const config = loadConfig({
    PORT: '8080', TRUST_PROXY: 'true', CORS_ORIGINS: 'https://a.example, https://b.example', ATRIUM_TOTP_REQUIRED_ROLES: 'clinician,admin',
    ENABLED_MODULES: 'glucose,operations', ATRIUM_DATA_DIR: '/var/lib/atrium', ATRIUM_ADMIN_EMAIL: 'Boss@Example.test', DATABASE_URL: 'postgresql://u:p@db:5432/atrium',
  });
  assert.equal(config.port, 8080);
  assert.equal(config.trustProxy, true);
  assert.deepEqual(config.corsOrigins, ['https://a.example', 'https://b.example']);
  assert.deepEqual(config.totpRequiredRoles, ['clinician', 'admin']);
  assert.deepEqual(config.enabledModules, ['glucose', 'operations']);
  assert.equal(config.dataDir, '/var/lib/atrium');
  assert.equal(config.admin.email, 'boss@example.test');
  assert.equal(config.admin.fromEnvironment, true);
  assert.equal(config.databaseUrl, 'postgresql://u:p@db:5432/atrium');
  assert.equal(config.publicUrl, 'http://localhost:8080');
});

test('an empty variable counts as unset', () => {
  assert.equal(loadConfig({ PORT: '', DATABASE_URL: '' }).port, 3000);
});

test('every bad variable is named in one error, one line each, with what is expected', () => {
  const problems = problemsOf({
    NODE_ENV: 'staging', PORT: 'abc', DATABASE_URL: 'mysql://db/atrium', DB_POOL_MAX: '0', ATRIUM_ADMIN_EMAIL: 'nope',
    TRUST_PROXY: 'maybe', LOG_LEVEL: 'loud', ATRIUM_TOTP_REQUIRED_ROLES: 'wizard', ATRIUM_LOCKOUT_THRESHOLD: '1000', PUBLIC_URL: 'ftp://x',
  });
  const byName = new Map(problems.map((p) => [p.split(/[=:]/)[0], p]));
  assert.deepEqual([...byName.keys()].sort(), [
    'ATRIUM_ADMIN_EMAIL', 'ATRIUM_LOCKOUT_THRESHOLD', 'ATRIUM_TOTP_REQUIRED_ROLES', 'DATABASE_URL', 'DB_POOL_MAX', 'LOG_LEVEL', 'NODE_ENV', 'PORT', 'PUBLIC_URL', 'TRUST_PROXY',
  ]);
  assert.equal(problems.length, byName.size, 'one line per variable');
  assert.equal(byName.get('NODE_ENV'), 'NODE_ENV="staging": must be one of: development, production, test');
  assert.equal(byName.get('PORT'), 'PORT="abc": must be integer');
  assert.equal(byName.get('TRUST_PROXY'), 'TRUST_PROXY="maybe": must be true or false');
  assert.match(byName.get('LOG_LEVEL')!, /must be one of: fatal, error, warn, info, debug, trace, silent/);
  assert.match(byName.get('ATRIUM_TOTP_REQUIRED_ROLES')!, /unknown role "wizard"/);
});

test('the message of a ConfigError lists each problem', () => {
  assert.throws(() => loadConfig({ PORT: '-1', BODY_LIMIT_BYTES: 'lots' }), (err: Error) => {
    assert.match(err.message, /^Invalid configuration:\n {2}- PORT="-1": .*\n {2}- BODY_LIMIT_BYTES="lots": /);
    return true;
  });
});

test('a secret that is too short is refused without repeating its value', () => {
  const [problem] = problemsOf({ ATRIUM_JWT_SECRET: 'hunter2-is-my-secret', ATRIUM_ADMIN_PASSWORD: 'letmein' }).filter((p) => p.startsWith('ATRIUM_JWT_SECRET'));
  assert.match(problem, /^ATRIUM_JWT_SECRET=\(hidden, 20 characters\): /);
  const all = problemsOf({ ATRIUM_JWT_SECRET: 'hunter2-is-my-secret', ATRIUM_ADMIN_PASSWORD: 'letmein' }).join('\n');
  assert.ok(!all.includes('hunter2') && !all.includes('letmein'));
});

test('a database URL that is refused is shown without its password', () => {
  const [problem] = problemsOf({ DATABASE_URL: 'mysql://atrium:s3cret-pw@db:3306/atrium' });
  assert.equal(problem, 'DATABASE_URL="mysql://atrium:***@db:3306/atrium": must match pattern "^postgres(ql)?://"');
});

test('production without ATRIUM_JWT_SECRET is refused; with one it starts', () => {
  const problems = problemsOf({ NODE_ENV: 'production' });
  assert.equal(problems.length, 1);
  assert.match(problems[0], /^ATRIUM_JWT_SECRET: required in production/);
  const config = loadConfig({ NODE_ENV: 'production', ATRIUM_JWT_SECRET: 's'.repeat(48) });
  assert.equal(config.env, 'production');
  assert.equal(config.jwtSecret, 's'.repeat(48));
});

test('docs/configuration.md lists every variable Atrium reads', () => {
  const docs = readFileSync(path.resolve(import.meta.dirname, '../../docs/configuration.md'), 'utf8');
  const missing = ENV_VARIABLES.filter((name) => !docs.includes(`\`${name}\``));
  assert.deepEqual(missing, []);
});
