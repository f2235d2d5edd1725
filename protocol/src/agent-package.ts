import { sign, verify, type KeyObject } from 'node:crypto';

/**
 * The site key's signature of an approved agent package (docs/decisions/0009-agent-self-upgrade.md).
 * The core signs, the unprivileged agent checks before it asks for the upgrade, and root's
 * upgrader checks again before it installs: the same text at all three places, defined once.
 */
export interface AgentPackageIdentity {
  version: string;
  /** `linux-x64`, `linux-arm64`. */
  platform: string;
  /** SHA-256 of the package file, lower-case hex. */
  sha256: string;
}

/**
 * What is signed: a fixed first line, so a signature over a plugin manifest (the same key signs
 * those) can never pass for a package's, then the version, platform and hash, one per line.
 * Signing the version and platform with the hash means a signed package cannot be offered
 * under another version's or platform's name.
 */
function agentPackageSignedText(p: AgentPackageIdentity): Buffer {
  return Buffer.from(`prophasis-agent-package/v1\n${p.version}\n${p.platform}\n${p.sha256.toLowerCase()}\n`, 'utf8');
}

/** The Ed25519 signature of `p` by the site key, base64. */
export function signAgentPackage(p: AgentPackageIdentity, privateKey: KeyObject): string {
  return sign(null, agentPackageSignedText(p), privateKey).toString('base64');
}

/** True when `signature` (base64) is the signature of exactly `p` by `publicKey`; never throws. */
export function verifyAgentPackage(p: AgentPackageIdentity, signature: string, publicKey: KeyObject): boolean {
  try {
    return verify(null, agentPackageSignedText(p), publicKey, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}
