import { createLogger, type Logger } from '@prophasis/protocol';
import type { CoreConfig } from './config.js';
import { createHttpServer } from './http/server.js';

/** A running core, as the composition root assembled it. */
export interface Core {
  readonly config: CoreConfig;
  readonly logger: Logger;
  readonly httpPort: number;
  stop(): Promise<void>;
}

/**
 * The composition root: builds every subsystem from the configuration, wires them through the
 * small interfaces they declare, and starts them in dependency order (stopped in reverse).
 */
export async function startCore(config: CoreConfig, logger: Logger = createLogger({ name: 'core', level: config.logLevel })): Promise<Core> {
  const http = createHttpServer({ port: config.httpPort, host: config.httpHost }, { logger });
  const { port } = await http.start();
  return {
    config,
    logger,
    httpPort: port,
    async stop() {
      await http.stop();
    },
  };
}
