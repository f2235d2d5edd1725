import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '@prophasis/protocol';

export interface HttpConfig {
  port: number;
  host: string;
}

export interface HttpServer {
  readonly app: FastifyInstance;
  start(): Promise<{ port: number }>;
  stop(): Promise<void>;
}

/** The core's HTTP server: REST API under `/api`, the console at `/`. */
export function createHttpServer(config: HttpConfig, deps: { logger: Logger }): HttpServer {
  const app: FastifyInstance = Fastify({ loggerInstance: deps.logger.child({ component: 'http' }) as FastifyBaseLogger });
  app.get('/api/health', async () => ({ status: 'ok' }));
  return {
    app,
    async start() {
      await app.listen({ port: config.port, host: config.host });
      const address = app.server.address();
      return { port: typeof address === 'object' && address ? address.port : config.port };
    },
    async stop() {
      await app.close();
    },
  };
}
