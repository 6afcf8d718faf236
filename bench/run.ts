/**
 * `npm run bench -- <scenario> [options]` runs bench/<scenario>.ts. Benchmarks are never part of `npm test`.
 * Record results with the command and the machine in docs/performance.md.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

const dir = import.meta.dirname;
const scenarios = readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'run.ts').map((f) => f.slice(0, -3)).sort();
const [name, ...args] = process.argv.slice(2);
if (!name || !scenarios.includes(name)) {
  console.error(`usage: npm run bench -- <scenario> [options]\nscenarios: ${scenarios.join(', ')}`);
  process.exit(name ? 1 : 0);
}
const child = spawn(process.execPath, ['--import', 'tsx', path.join(dir, `${name}.ts`), ...args], { stdio: 'inherit' });
child.on('exit', (code) => process.exit(code ?? 1));
