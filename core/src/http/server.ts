import type { FastifyInstance } from 'fastify';
import type { ApiConfig } from './context.js';

export interface HttpConfig extends ApiConfig {
  port: number;
  host: string;
}

export interface HttpServer {
  /** The fastify app; set once `start()` resolved. */
  readonly app: FastifyInstance | undefined;
  start(): Promise<{ port: number }>;
  stop(): Promise<void>;
}

/**
 * The core's HTTP server: the app `build` makes (REST API under `/api`, the console at `/`:
 * ./app.ts with the features' routes), listening on one port.
 */
export function createHttpServer(config: HttpConfig, build: () => Promise<FastifyInstance>): HttpServer {
  let app: FastifyInstance | undefined;
  return {
    get app() {
      return app;
    },
    async start() {
      app = await build();
      await app.listen({ port: config.port, host: config.host });
      const address = app.server.address();
      return { port: typeof address === 'object' && address ? address.port : config.port };
    },
    async stop() {
      await app?.close();
    },
  };
}
