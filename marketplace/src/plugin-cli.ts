/**
 * `npx prophasis-plugin` — the plugin authors' tool: keygen, pack, sign, verify
 * (docs/bundles.md). Started by `bin/prophasis-plugin.mjs`.
 */
import { runPluginCli } from './plugin-cli/commands.js';

process.exitCode = await runPluginCli(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  cwd: process.cwd(),
});
