import { ApiErrorBody } from '@prophasis/protocol';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { ApiErrors } from '../kernel/index.js';
import type { AgentPackageIndex, AgentPackages } from './agent-packages.js';
import type { AgentTarball } from './agent-tarball.js';

/** What the download routes serve; each is optional (tests give what they need). */
export interface DownloadSources {
  /** The npm-installable tarball, for hosts that already run Node.js 24. */
  tarball?: AgentTarball | undefined;
  /** The self-contained packages, install.sh and SHA256SUMS. */
  packages?: AgentPackages | undefined;
  /** The approved agent versions' packages, which agents download when the core offers an upgrade (agent-upgrades/). */
  approved?: ApprovedPackages | undefined;
}

/** Finds an approved version's package by its version and file name. */
interface ApprovedPackages {
  approvedFile(version: string, file: string): Promise<{ path: string; sha256: string; size: number } | undefined>;
}

/** A file's answer as the OpenAPI document shows it (the body is a file, never serialized from a schema). */
const file = (...types: string[]) => ({ description: 'The file', content: Object.fromEntries(types.map((t) => [t, { schema: { type: 'string' } }])) });

/** A public download's options: no credentials, its OpenAPI name and summary, and its answers (errors as JSON). */
const PUBLIC = (operationId: string, summary: string, ok?: ReturnType<typeof file>, notFound = false) =>
  ({
    config: { access: 'public' },
    schema: { tags: ['downloads'], operationId, summary, security: [], response: { ...(ok ? { 200: ok } : {}), 503: ApiErrorBody, 500: ApiErrorBody, ...(notFound ? { 404: ApiErrorBody } : {}) } },
  }) as const;

/**
 * The files a new host fetches (docs/install-agent.md): public on purpose (a new host has no
 * session) and holding no secret. Nothing here is trusted because of where it came from: the
 * install line carries the SHA-256 of `SHA256SUMS`, which lists the hash of every package and of
 * install.sh. `X-Checksum-Sha256` repeats each file's hash for people comparing by hand.
 *
 * - `GET /install.sh` (also `/downloads/install.sh`): the installer the one-line command pipes to `sh`
 * - `GET /downloads/SHA256SUMS`: `HASH  FILE` per package and install.sh
 * - `GET /downloads/index.json`: the same as JSON, with version, Node.js version, sizes
 * - `GET /downloads/prophasis-agent-<platform>.tar.gz` and `….tar.gz.sha256`
 * - `GET /downloads/site-key.pub`: the site key (public), listed in SHA256SUMS; root checks upgrade requests with it
 * - `GET /downloads/prophasis-agent.tgz`: the npm tarball (needs Node.js 24 on the host)
 * - `GET /downloads/versions/<version>/prophasis-agent-<platform>.tar.gz`: an approved version's package (agent upgrades)
 */
export async function downloadRoutes(app: FastifyInstance, sources: DownloadSources): Promise<void> {
  const { tarball } = sources;
  if (tarball) {
    app.get('/downloads/prophasis-agent.tgz', PUBLIC('downloadAgentTarball', 'Download the agent as an npm tarball (needs Node.js 24 on the host)', file('application/gzip')), async (_request, reply) => {
      const { bytes, sha256 } = await tarball.get();
      return reply
        .header('content-type', 'application/gzip')
        .header('content-disposition', 'attachment; filename="prophasis-agent.tgz"')
        .header('x-checksum-sha256', sha256)
        .send(bytes);
    });
  }
  const approved = sources.approved;
  if (approved) {
    // Public like the other downloads: an agent fetches it with no session, and trusts it for
    // nothing: the hash and the site key's signature came over its TLS connection (`agent.upgrade`).
    app.get<{ Params: { version: string; file: string } }>(
      '/downloads/versions/:version/:file',
      PUBLIC('downloadApprovedAgentPackage', 'Download the package of an approved agent version', file('application/gzip'), true),
      async (request, reply) => {
        const { version, file: name } = request.params;
        const found = await approved.approvedFile(version, name);
        if (!found) throw ApiErrors.NOT_FOUND(`/downloads/versions/${version}/${name}: no approved agent version has this package`);
        reply
          .header('content-type', 'application/gzip')
          .header('content-disposition', `attachment; filename="${name}"`)
          .header('x-checksum-sha256', found.sha256)
          .header('content-length', String(found.size));
        return reply.send(createReadStream(found.path));
      },
    );
  }
  if (!sources.packages) return;
  const packages: AgentPackages = sources.packages;

  async function current(): Promise<AgentPackageIndex> {
    try {
      return await packages.get();
    } catch (err) {
      throw ApiErrors.UNAVAILABLE(`the agent packages could not be built: ${(err as Error).message}`);
    }
  }

  function sendFile(reply: FastifyReply, file: string, sha256: string, type: string, size?: number) {
    reply.header('content-type', type).header('x-checksum-sha256', sha256).header('cache-control', 'no-cache');
    if (size !== undefined) reply.header('content-length', String(size));
    return reply.send(createReadStream(join(packages.dir, file)));
  }

  const installScript = async (_request: unknown, reply: FastifyReply) => {
    const index = await current();
    return sendFile(reply, index.installScript.file, index.installScript.sha256, 'text/x-shellscript; charset=utf-8');
  };
  app.get('/install.sh', PUBLIC('getInstallScript', 'Download the agent installer script', file('text/x-shellscript')), installScript);
  app.get('/downloads/install.sh', PUBLIC('downloadInstallScript', 'Download the agent installer script, from the downloads folder', file('text/x-shellscript')), installScript);

  app.get('/downloads/SHA256SUMS', PUBLIC('getChecksums', 'Download the SHA-256 of every agent package and the installer', file('text/plain')), async (_request, reply) => {
    const index = await current();
    return sendFile(reply, index.sums.file, index.sums.sha256, 'text/plain; charset=utf-8');
  });

  app.get('/downloads/index.json', PUBLIC('getDownloadIndex', 'List the agent packages with their versions, sizes and hashes'), async () => {
    const { version, node, packages: list, installScript: script, sums } = await current();
    return {
      version,
      node,
      packages: list.map(({ platform, file, sha256, size }) => ({ platform, file, sha256, size, url: `/downloads/${file}` })),
      installScript: { ...script, url: '/install.sh' },
      sums: { ...sums, url: `/downloads/${sums.file}` },
    };
  });

  app.get<{ Params: { file: string } }>('/downloads/:file', PUBLIC('downloadAgentPackage', 'Download one agent package or its .sha256', file('application/gzip', 'text/plain'), true), async (request, reply) => {
    const index = await current();
    const wanted = request.params.file;
    if (index.siteKey && wanted === index.siteKey.file) return sendFile(reply, index.siteKey.file, index.siteKey.sha256, 'application/x-pem-file');
    const hashFile = wanted.endsWith('.sha256');
    const found = index.packages.find((p) => p.file === (hashFile ? wanted.slice(0, -'.sha256'.length) : wanted));
    if (!found) {
      throw ApiErrors.NOT_FOUND(`/downloads/${wanted}: this core serves ${index.packages.map((p) => p.file).join(', ')} (and .sha256 of each), SHA256SUMS, index.json and install.sh`);
    }
    if (hashFile) return reply.header('content-type', 'text/plain; charset=utf-8').send(`${found.sha256}  ${found.file}\n`);
    reply.header('content-disposition', `attachment; filename="${found.file}"`);
    return sendFile(reply, found.file, found.sha256, 'application/gzip', found.size);
  });
}
