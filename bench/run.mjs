// `npm run bench -- NAME [options]` runs bench/NAME.ts with tsx on the project's Node 24
// (docs/performance.md). Each benchmark takes a --seconds bound, cleans up what it started and
// prints its figures as one JSON object on its last line.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && !f.startsWith('_'))
  .map((f) => f.slice(0, -3))
  .sort();
const [name, ...args] = process.argv.slice(2);

if (!name || name === 'help' || name === '--help') {
  console.log(`Usage: npm run bench -- NAME [--seconds N] [options]\n\nBenchmarks: ${available.join(', ') || '(none yet)'}`);
  process.exit(name ? 0 : 2);
}
if (!available.includes(name)) {
  console.error(`Unknown benchmark ${JSON.stringify(name)}. Available: ${available.join(', ') || '(none yet)'}`);
  process.exit(2);
}
const child = spawn(process.execPath, ['--import', 'tsx', join(here, `${name}.ts`), ...args], { stdio: 'inherit' });
const forward = (signal) => child.kill(signal);
process.on('SIGINT', forward);
process.on('SIGTERM', forward);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
