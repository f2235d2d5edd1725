// Runnable until the lead wires `prophasis classifier test` into core/src/cli.ts:
//   npx tsx src/classification/cli-test.ts FILE.lua --values 1,2,3
import { runClassifierTestCommand } from './test-command.js';

const { exitCode, output } = await runClassifierTestCommand(process.argv.slice(2));
(exitCode === 0 ? process.stdout : process.stderr).write(`${output}\n`);
process.exitCode = exitCode;
