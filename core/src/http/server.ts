import type { FastifyInstance } from 'fastify';
import { createApp } from './app.js';
import type { ApiConfig, ApiDeps } from './context.js';

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

/** The core's HTTP server: REST API under `/api`, the console at `/` (./app.ts), listening on one port. */
export function createHttpServer(config: HttpConfig, deps: ApiDeps): HttpServer {
  let app: FastifyInstance | undefined;
  return {
    get app() {
      return app;
    },
    async start() {
      app = await createApp(config, deps);
      await app.listen({ port: config.port, host: config.host });
      const address = app.server.address();
      return { port: typeof address === 'object' && address ? address.port : config.port };
    },
    async stop() {
      await app?.close();
    },
  };
}
