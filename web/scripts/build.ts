/**
 * `npm run web:build` builds the web app into web/dist. With `--if-stale` (the `prestart` step of
 * `npm start`, and test/run.ts before browser tests) it builds only when web/dist is missing or was built
 * from other sources: a hash of the inputs is kept in web/dist/.build-hash.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const web = path.resolve(import.meta.dirname, '..');
const dist = path.join(web, 'dist');
const HASH_FILE = '.build-hash';

function files(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir).sort()) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) files(full, out);
    else if (!entry.endsWith('.test.ts')) out.push(full);
  }
  return out;
}

/** What the build depends on: the app's sources, its page and config, and the installed dependency versions. */
export function sourceHash(): string {
  const inputs = [
    ...files(path.join(web, 'src')),
    ...files(path.join(web, 'public')),
    path.join(web, 'index.html'),
    path.join(web, 'vite.config.ts'),
    path.resolve(web, '../package-lock.json'),
  ];
  const hash = createHash('sha256');
  for (const file of inputs) {
    if (!existsSync(file)) continue;
    hash.update(path.relative(web, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

export function isBuildCurrent(): boolean {
  const stamp = path.join(dist, HASH_FILE);
  return existsSync(path.join(dist, 'index.html')) && existsSync(stamp) && readFileSync(stamp, 'utf8') === sourceHash();
}

/**
 * Builds into a directory of its own, then swaps it in: a concurrent build (two test runs) or a server
 * reading web/dist never sees a half-written tree.
 */
export async function buildWeb(log: (line: string) => void = console.log): Promise<void> {
  const { build } = await import('vite');
  const hash = sourceHash();
  const out = path.join(web, `.dist-${process.pid}-${Date.now().toString(36)}`);
  const started = Date.now();
  try {
    await build({ configFile: path.join(web, 'vite.config.ts'), logLevel: 'warn', build: { outDir: out, emptyOutDir: true } });
    writeFileSync(path.join(out, HASH_FILE), hash);
    rmSync(dist, { recursive: true, force: true });
    try {
      renameSync(out, dist);
    } catch (err) {
      // Another build swapped its own copy in between; it was built from the same sources or a newer one.
      if (!existsSync(path.join(dist, 'index.html'))) throw err;
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  log(`web app built into ${path.relative(process.cwd(), dist) || dist} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

export async function ensureWebBuilt(log: (line: string) => void = console.log): Promise<void> {
  if (isBuildCurrent()) return;
  log(existsSync(path.join(dist, 'index.html')) ? 'web app sources changed: rebuilding…' : 'web app not built yet: building…');
  await buildWeb(log);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const ifStale = process.argv.includes('--if-stale');
  try {
    await (ifStale ? ensureWebBuilt() : buildWeb());
  } catch (err) {
    console.error(`The web app could not be built: ${(err as Error).message}`);
    process.exit(1);
  }
}
