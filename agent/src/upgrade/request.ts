import { verifyAgentPackage, type BodyOf, type Logger, type TrustedKeys } from '@prophasis/protocol';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { basename, join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { AgentErrors } from '../errors.js';

/**
 * The unprivileged half of an upgrade from the core (docs/decisions/0009-agent-self-upgrade.md,
 * "Downloading"): on `agent.upgrade` the agent downloads the package into `DATA/upgrade/`,
 * checks its size, its SHA-256 and the site key's signature, and writes `DATA/upgrade/request.json`.
 * A root-owned systemd path unit (agent/scripts/prophasis-agent-upgrade.path) starts
 * `prophasis-agent upgrade --request DATA/upgrade/request.json` for it, which checks hash and
 * signature again against the site key root keeps, then installs with rollback. The agent
 * writes nothing outside its data directory and installs nothing itself.
 */
const UPGRADE_DIR = 'upgrade';
const REQUEST_FILE = 'request.json';
/** A request file is small; anything larger is not one (root reads this file). */
const MAX_REQUEST_BYTES = 16 * 1024;

type Offer = BodyOf<'agent.upgrade'>;

/** What the agent leaves for root: the offer as the core signed it, and the package's file name beside it. */
export interface UpgradeRequest {
  rolloutId: number;
  version: string;
  platform: string;
  sha256: string;
  size: number;
  keyId: string;
  signature: string;
  /** File name in the same folder (never a path). */
  package: string;
  /** When the request was written, ms since the epoch. */
  at: number;
}

export type RequestOutcome = { status: 'requested' } | { status: 'refused'; reason: string };

export interface UpgradeRequestDeps {
  /** The keys this agent trusts (the core's `config.set` list, with the site key, and `trusted-keys/`). */
  keys(): Promise<TrustedKeys>;
  /** The core's CA (pinned at enrolment): an `https:` download from a console certified by it is accepted. */
  caPem?: string;
  logger: Logger;
  /** This host's platform in the packages' naming; `${process.platform}-${process.arch}` by default. */
  platform?: string;
  /** A download that stalls this long is abandoned, ms. */
  idleTimeoutMs?: number;
}

const packageName = (offer: Pick<Offer, 'version' | 'platform'>): string => `prophasis-agent-${offer.version}-${offer.platform}.tar.gz`;

function reasonOf(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return e.code && e.message ? `${e.code}: ${e.message}` : String(e.message ?? err);
}

/**
 * Downloads `url` into `target`, at most `size` bytes, hashing as it goes; returns the SHA-256.
 * No redirects: the core serves its own packages.
 */
function download(url: URL, target: string, size: number, options: { caPem?: string; idleTimeoutMs: number }): Promise<string> {
  return new Promise((resolve, reject) => {
    const fail = (reason: string) => reject(AgentErrors.UPGRADE_DOWNLOAD_FAILED(`${url.href}: ${reason}`));
    const onResponse = (response: IncomingMessage) => {
      if (response.statusCode !== 200) {
        response.resume();
        fail(`the core answered HTTP ${response.statusCode ?? '?'}`);
        return;
      }
      const hash = createHash('sha256');
      const out = createWriteStream(target, { mode: 0o644 });
      let received = 0;
      let failed = false;
      const stop = (reason: string) => {
        if (failed) return;
        failed = true;
        request.destroy();
        out.destroy();
        fail(reason);
      };
      response.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > size) stop(`more than the ${size} bytes offered`);
        else hash.update(chunk);
      });
      response.on('aborted', () => stop(`the connection ended after ${received} of ${size} bytes`));
      response.on('error', (err) => stop(err.message));
      out.on('error', (err) => stop(`cannot write ${target}: ${err.message}`));
      response.pipe(out);
      out.on('finish', () => {
        if (failed) return;
        if (received < size) fail(`truncated: ${received} of ${size} bytes`);
        else resolve(hash.digest('hex'));
      });
    };
    const ca = options.caPem ? [...rootCertificates, options.caPem] : undefined;
    const request = url.protocol === 'https:' ? httpsGet(url, ca ? { ca } : {}, onResponse) : httpGet(url, onResponse);
    request.setTimeout(options.idleTimeoutMs, () => request.destroy(new Error(`no data for ${options.idleTimeoutMs} ms`)));
    request.on('error', (err) => fail(err.message));
  });
}

/** Reads and checks the request file root acts on; throws `AGENT_UPGRADE_REQUEST_INVALID` for anything that is not one. */
export async function readUpgradeRequest(file: string): Promise<UpgradeRequest> {
  let text: string;
  try {
    // Root reads what the agent wrote: a regular file only (not a link, not a FIFO that would block).
    if (!(await lstat(file)).isFile()) throw AgentErrors.UPGRADE_REQUEST_INVALID(`${file} is not a regular file`);
    const handle = await open(file, 'r');
    try {
      const { size } = await handle.stat();
      if (size > MAX_REQUEST_BYTES) throw AgentErrors.UPGRADE_REQUEST_INVALID(`${file} is ${size} bytes, a request is at most ${MAX_REQUEST_BYTES}`);
      text = await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch (err) {
    if ((err as { code?: string }).code === 'AGENT_UPGRADE_REQUEST_INVALID') throw err;
    throw AgentErrors.UPGRADE_REQUEST_INVALID(`cannot read ${file}: ${(err as Error).message}`);
  }
  let value: Partial<UpgradeRequest>;
  try {
    value = JSON.parse(text) as Partial<UpgradeRequest>;
  } catch (err) {
    throw AgentErrors.UPGRADE_REQUEST_INVALID(`${file} is not JSON: ${(err as Error).message}`);
  }
  const str = (k: keyof UpgradeRequest, pattern: RegExp): string => {
    const v = value[k];
    if (typeof v !== 'string' || !pattern.test(v)) throw AgentErrors.UPGRADE_REQUEST_INVALID(`${file}: ${k} is missing or malformed`);
    return v;
  };
  const hex = /^[0-9a-f]{64}$/;
  const request: UpgradeRequest = {
    rolloutId: Number(value.rolloutId ?? 0),
    version: str('version', /^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$/),
    platform: str('platform', /^[a-z0-9]+-[a-z0-9_]+$/),
    sha256: str('sha256', hex),
    size: Number(value.size),
    keyId: str('keyId', hex),
    signature: str('signature', /^[A-Za-z0-9+/]{80,128}={0,2}$/),
    package: str('package', /^prophasis-agent-[0-9A-Za-z.+_-]+\.tar\.gz$/),
    at: Number(value.at ?? 0),
  };
  if (basename(request.package) !== request.package) throw AgentErrors.UPGRADE_REQUEST_INVALID(`${file}: package must be a file name`);
  return request;
}

/**
 * Handles one `agent.upgrade` offer: refuses it (with the reason, nothing kept) unless the
 * package is for this platform, signed by a trusted key over exactly this version, platform
 * and hash, and downloads whole with that hash; then writes the request for root.
 * The signature is checked first, so an offer that could never be installed downloads nothing.
 */
export async function requestUpgrade(dataDir: string, offer: Offer, deps: UpgradeRequestDeps): Promise<RequestOutcome> {
  const log = deps.logger.child({ component: 'upgrade' });
  const dir = join(dataDir, UPGRADE_DIR);
  const platform = deps.platform ?? `${process.platform}-${process.arch}`;
  const name = packageName(offer);
  const part = join(dir, `.${name}.${randomBytes(4).toString('hex')}.part`);
  try {
    if (offer.platform !== platform) throw AgentErrors.UPGRADE_WRONG_PLATFORM(`the package is for ${offer.platform}, this host is ${platform}`);
    const key = (await deps.keys())(offer.keyId);
    if (!key) throw AgentErrors.UPGRADE_UNTRUSTED_KEY(`key ${offer.keyId} is not among this agent's trusted keys`);
    if (!verifyAgentPackage(offer, offer.signature, key)) throw AgentErrors.UPGRADE_BAD_SIGNATURE(`${offer.version} for ${offer.platform} with SHA-256 ${offer.sha256}`);

    await mkdir(dir, { recursive: true, mode: 0o755 });
    const existing = await readUpgradeRequest(join(dir, REQUEST_FILE)).catch(() => null);
    if (existing && existing.sha256 === offer.sha256) {
      log.info({ version: offer.version }, 'this upgrade is requested already; waiting for root to install it');
      return { status: 'requested' };
    }
    const actual = await download(new URL(offer.url), part, offer.size, { ...(deps.caPem ? { caPem: deps.caPem } : {}), idleTimeoutMs: deps.idleTimeoutMs ?? 60_000 });
    if (actual !== offer.sha256) throw AgentErrors.UPGRADE_HASH_MISMATCH(`the download has SHA-256 ${actual}, the core offered ${offer.sha256}`);
    await rename(part, join(dir, name));
    // Older packages left by earlier requests go; the one asked for stays.
    for (const entry of await readdir(dir)) {
      if (entry !== name && /^prophasis-agent-.*\.tar\.gz$/.test(entry)) await rm(join(dir, entry), { force: true });
    }
    const request: UpgradeRequest = {
      rolloutId: offer.rolloutId,
      version: offer.version,
      platform: offer.platform,
      sha256: offer.sha256,
      size: offer.size,
      keyId: offer.keyId,
      signature: offer.signature,
      package: name,
      at: Date.now(),
    };
    // Written last, through a rename: the path unit sees a whole request or none.
    const temp = join(dir, `.${REQUEST_FILE}.${randomBytes(4).toString('hex')}.tmp`);
    await writeFile(temp, JSON.stringify(request, null, 2) + '\n', { mode: 0o644 });
    await rename(temp, join(dir, REQUEST_FILE));
    log.info({ version: offer.version, sha256: offer.sha256 }, 'agent package downloaded and verified; upgrade requested from root');
    return { status: 'requested' };
  } catch (err) {
    await rm(part, { force: true });
    const reason = reasonOf(err);
    log.warn({ version: offer.version, reason }, 'agent upgrade refused; nothing changed');
    return { status: 'refused', reason: reason.slice(0, 2000) };
  }
}
