import type { FastifyInstance } from 'fastify';
import type { AgentTarball } from './agent-tarball.js';

/**
 * `GET /downloads/prophasis-agent.tgz`: the agent package that `prophasis host add` tells an
 * operator to install. Public on purpose (a new host has no session); it holds no secret. The
 * `X-Checksum-Sha256` header lets an installer compare the file with the hash the console shows.
 */
export async function downloadRoutes(app: FastifyInstance, tarball: AgentTarball): Promise<void> {
  app.get('/downloads/prophasis-agent.tgz', { config: { access: 'public' } }, async (_request, reply) => {
    const { bytes, sha256 } = await tarball.get();
    return reply
      .header('content-type', 'application/gzip')
      .header('content-disposition', 'attachment; filename="prophasis-agent.tgz"')
      .header('x-checksum-sha256', sha256)
      .send(bytes);
  });
}
