import { parsePublicKey, publicKeyFingerprint, verifyAgentPackage } from '@prophasis/protocol';
import { randomBytes } from 'node:crypto';
import { copyFile, lstat, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AgentErrors } from '../errors.js';
import { readUpgradeRequest } from './request.js';
import { upgradeAgent, type UpgradeOptions, type UpgradeOutcome } from './upgrade.js';

/** Beside the versions, owned by root: the core's site key, the only key an upgrade request is checked against. */
const SITE_KEY_FILE = 'site-key.pub';

/**
 * Root's side of an upgrade the core offered (docs/decisions/0009-agent-self-upgrade.md,
 * "Installing"): the path unit runs this for `DATA/upgrade/request.json`, which the
 * unprivileged agent wrote. Root believes none of it: the signature must verify with the site
 * key root keeps (`ROOT/site-key.pub`, written by install.sh, or `siteKeyFile`) over the
 * request's version, platform and hash; the package must have that hash (checked again by
 * {@link upgradeAgent} before it is opened) and hold that version. Then the upgrade with
 * rollback. The request and its package are removed whatever the outcome, so the path unit
 * does not start again for the same request; a refusal changes nothing else.
 */
export async function upgradeFromRequest(
  requestFile: string,
  options: Omit<UpgradeOptions, 'packageFile' | 'sha256' | 'expectVersion'> & { siteKeyFile?: string },
): Promise<UpgradeOutcome> {
  let packageFile: string | undefined;
  let copy: string | undefined;
  try {
    const request = await readUpgradeRequest(requestFile);
    packageFile = join(dirname(requestFile), request.package);
    const keyFile = options.siteKeyFile ?? join(options.root, SITE_KEY_FILE);
    let pem: string;
    try {
      pem = await readFile(keyFile, 'utf8');
    } catch (err) {
      throw AgentErrors.UPGRADE_UNTRUSTED_KEY(`no site key at ${keyFile} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); install.sh places it there, docs/install-agent.md says how to by hand`);
    }
    const siteKey = parsePublicKey(pem);
    if (publicKeyFingerprint(siteKey) !== request.keyId) throw AgentErrors.UPGRADE_UNTRUSTED_KEY(`the request is signed by ${request.keyId}, the site key at ${keyFile} is ${publicKeyFingerprint(siteKey)}`);
    if (!verifyAgentPackage(request, request.signature, siteKey)) throw AgentErrors.UPGRADE_BAD_SIGNATURE(`${request.version} for ${request.platform} with SHA-256 ${request.sha256}`);
    // The agent owns the folder: it could swap the file between the hash check and tar. Root
    // works on its own copy, in its own folder, and checks that.
    const info = await lstat(packageFile).catch(() => null);
    if (!info?.isFile()) throw AgentErrors.UPGRADE_REQUEST_INVALID(`${packageFile} is not a regular file`);
    copy = join(options.root, `.requested-${randomBytes(6).toString('hex')}.tar.gz`);
    await copyFile(packageFile, copy);
    options.logger.info({ version: request.version, sha256: request.sha256, requestFile }, 'upgrade request verified (site key signature); installing');
    return await upgradeAgent({ ...options, packageFile: copy, sha256: request.sha256, expectVersion: request.version });
  } finally {
    await rm(requestFile, { force: true });
    if (packageFile) await rm(packageFile, { force: true });
    if (copy) await rm(copy, { force: true });
  }
}
