import { createLogger } from '@prophasis/protocol';
import { readCoreConfig } from '../../kernel/index.js';
import { HOST_ADD_USAGE, hostAddCommand } from '../index.js';

export const HOST_USAGE = HOST_ADD_USAGE;

/** `prophasis host add NAME …`: prints the agent's install and enrolment commands. */
export async function hostCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'add') {
    console.error(`Unknown host command ${JSON.stringify(sub ?? '')}.\n\n${HOST_USAGE}`);
    return 2;
  }
  const config = readCoreConfig();
  const logger = createLogger({ name: 'core', level: 'warn' });
  const result = await hostAddCommand(rest, { config, logger });
  console.log(result.text);
  return 0;
}
