import type { Logger } from '@prophasis/protocol';
import { createCommandDispatcher, defaultCommandHandlers, type CommandHandlers } from './commands/index.js';
import type { AgentConfig } from './config.js';
import { createConnection, type Connection, type ConnectionDeps, type PresenceProviders } from './connection.js';
import { readCredentials } from './credentials.js';

export interface Agent {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly connection: Connection;
  readonly agentId: string;
}

export interface AgentDeps {
  logger: Logger;
  /** Replaces entries of the default command registry (later issues plug in here). */
  commands?: Partial<CommandHandlers>;
  presence?: Partial<PresenceProviders>;
  random?: ConnectionDeps['random'];
  timers?: ConnectionDeps['timers'];
}

/**
 * The composition root of `prophasis-agent run`: reads the credentials (refusing to start when
 * they are missing or readable by others), then wires the connection to the command registry.
 */
export async function createAgent(config: AgentConfig, deps: AgentDeps): Promise<Agent> {
  const credentials = await readCredentials(config.dataDir);
  const logger = deps.logger;
  const connection = createConnection(config, {
    logger,
    credentials,
    ...(deps.presence ? { presence: deps.presence } : {}),
    ...(deps.random ? { random: deps.random } : {}),
    ...(deps.timers ? { timers: deps.timers } : {}),
  });
  const handlers: CommandHandlers = { ...defaultCommandHandlers(), ...deps.commands };
  connection.onCommand(
    createCommandDispatcher(handlers, {
      logger: logger.child({ component: 'commands' }),
      setLogLevel: (level) => {
        logger.level = level;
      },
    }),
  );
  return {
    agentId: credentials.agentId,
    connection,
    start: () => connection.start(),
    stop: () => connection.stop(),
  };
}
