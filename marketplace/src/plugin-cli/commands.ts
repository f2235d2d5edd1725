import { isProphasisError } from '@prophasis/protocol';
import { EXIT, UsageError, type CliIo, type Command } from './io.js';
import { addKey } from './add-key.js';
import { keygen } from './keygen.js';
import { pack } from './pack.js';
import { publish } from './publish.js';
import { sign } from './sign.js';
import { verify } from './verify.js';
import { yank } from './yank.js';

// One handler per sub-command, registered by name (STYLE.md: a map, not an if/else chain).
// `publish`, `yank` and `add-key` talk to a marketplace registry (docs/marketplace.md).
const commands: Record<string, Command> = { keygen, pack, sign, verify, publish, yank, 'add-key': addKey };

const help: Command = {
  usage: 'help [COMMAND]',
  summary: 'show this help, or the usage of one command',
  run(args, io) {
    const one = args[0] === undefined ? undefined : commands[args[0]];
    if (one) {
      io.out(`usage: prophasis-plugin ${one.usage}`);
      io.out(`  ${one.summary}`);
      return EXIT.OK;
    }
    for (const line of usage()) io.out(line);
    return args[0] === undefined ? EXIT.OK : EXIT.USAGE;
  },
};
commands.help = help;

function usage(): string[] {
  const width = Math.max(...Object.values(commands).map((c) => c.usage.length));
  return [
    'usage: prophasis-plugin COMMAND [ARGS]',
    '',
    'Pack, sign, verify and publish Prophasis plugin bundles (docs/bundles.md, docs/marketplace.md).',
    '',
    ...Object.values(commands).map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`),
    '',
    `Exit codes: ${EXIT.OK} success, ${EXIT.REFUSED} refused (the reason is printed), ${EXIT.USAGE} wrong command line.`,
  ];
}

/**
 * Runs `prophasis-plugin` with its arguments and returns the exit code. Every refusal is
 * printed as `error: <reason> (<CODE>)`; nothing escapes as a stack trace.
 */
export async function runPluginCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  const command = name === undefined ? undefined : commands[name];
  if (!command || !Object.hasOwn(commands, name!)) {
    if (name !== undefined) io.err(`error: unknown command ${JSON.stringify(name)}`);
    for (const line of usage()) io.err(line);
    return EXIT.USAGE;
  }
  try {
    return await command.run(args, io);
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`error: ${(err as Error).message}`);
      io.err(`usage: prophasis-plugin ${command.usage}`);
      return EXIT.USAGE;
    }
    if (isProphasisError(err)) {
      io.err(`error: ${err.message} (${err.code})`);
      return EXIT.REFUSED;
    }
    const code = (err as NodeJS.ErrnoException).code;
    io.err(`error: ${(err as Error).message}${code ? ` (${code})` : ''}`);
    return EXIT.REFUSED;
  }
}
