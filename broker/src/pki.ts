// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import type { Logger } from '@prophasis/protocol';
import { createHash, randomBytes, webcrypto, X509Certificate as NodeX509 } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { BrokerErrors } from './errors.js';

/** What the TLS listener presents and what agents pin. */
export interface Pki {
  caCertPem: string;
  serverCertPem: string;
  serverKeyPem: string;
  /** SHA-256 of the CA certificate's DER encoding, lowercase hex without separators. */
  caFingerprint: string;
  /** The TLS session ticket keys, kept beside the keys (see {@link openTicketKeys}). */
  ticketKeys: TicketKeys;
}

/**
 * The listener's TLS session ticket keys (Node's 48-byte `ticketKeys`). They are kept in a
 * file (mode 0600) so that a restarted broker still accepts the tickets it issued before:
 * agents then resume their session with an abbreviated handshake, no certificate signed or
 * verified, which is what lets a whole fleet come back quickly after a restart. `current()`
 * replaces the keys once they are older than their lifetime, so a stolen key file opens
 * at most that much recorded traffic (docs/broker.md, "Reconnect storms").
 */
export interface TicketKeys {
  current(): Promise<Buffer>;
}

export interface PkiOptions {
  /** DNS names the server certificate is valid for; empty: the defaults below. */
  hostnames: string[];
  /** IP addresses the server certificate is valid for; empty: the defaults below. */
  ips: string[];
  logger: Logger;
}

const CA_YEARS = 10;
const SERVER_DAYS = 365;
/** Re-issue the server certificate when it expires within this many days. */
const RENEW_BEFORE_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

const FILES = {
  caCert: 'ca.crt',
  caKey: 'ca.key',
  serverCert: 'server.crt',
  serverKey: 'server.key',
  ticketKeys: 'ticket-keys.bin',
} as const;

/** Lifetime of the session ticket keys; tickets issued under older keys no longer resume. */
const TICKET_KEY_LIFETIME_MS = 24 * 60 * 60 * 1000;
const TICKET_KEY_BYTES = 48;

// ECDSA P-256: the handshake signature is far cheaper than RSA-2048's, which matters when
// 10,000 agents reconnect at once after a restart.
const KEY_ALGORITHM: webcrypto.EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
const SIGNING_ALGORITHM: webcrypto.EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/** The default names of the server certificate: the machine's hostname, localhost and 127.0.0.1. */
function defaultSans(): { hostnames: string[]; ips: string[] } {
  return { hostnames: [...new Set([hostname(), 'localhost'])], ips: ['127.0.0.1'] };
}

/** sha256 hex of a certificate's DER encoding, the form `--ca-fingerprint` takes. */
export function certificateFingerprint(pem: string): string {
  return createHash('sha256').update(new NodeX509(pem).raw).digest('hex');
}

/**
 * Creates (first call) or loads the private CA and the server certificate kept in `dir`.
 * Keys are written with mode 0600. The server certificate is issued again, by the same CA,
 * when its names differ from the requested ones, when it expires within 30 days, or when it
 * was not signed by the CA in `dir`; the CA itself is never replaced automatically, because
 * every enrolled agent pins it (docs/broker.md, "Renewal").
 */
export async function ensurePki(dir: string, opts: PkiOptions): Promise<Pki> {
  const log = opts.logger.child({ component: 'pki' });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const defaults = defaultSans();
  const hostnames = normaliseNames(opts.hostnames.length > 0 ? opts.hostnames : defaults.hostnames);
  const ips = normaliseNames(opts.ips.length > 0 ? opts.ips : defaults.ips);
  for (const ip of ips) if (isIP(ip) === 0) throw BrokerErrors.PKI_INVALID(`${JSON.stringify(ip)} is not an IP address`);

  let ca = await loadPair(dir, FILES.caCert, FILES.caKey);
  if (!ca) {
    ca = await createCa();
    await writePair(dir, FILES.caCert, FILES.caKey, ca);
    log.info({ dir, fingerprint: certificateFingerprint(ca.certPem) }, 'created a new private certificate authority');
  }
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKey = await importPrivateKey(ca.keyPem);

  let server = await loadPair(dir, FILES.serverCert, FILES.serverKey);
  const reason = server ? await reissueReason(server.certPem, caCert, hostnames, ips) : 'missing';
  if (reason) {
    server = await createServerCertificate(caCert, caKey, hostnames, ips);
    await writePair(dir, FILES.serverCert, FILES.serverKey, server);
    log.info({ dir, reason, hostnames, ips }, 'issued a new server certificate');
  }
  return {
    caCertPem: ca.certPem,
    serverCertPem: server!.certPem,
    serverKeyPem: server!.keyPem,
    caFingerprint: certificateFingerprint(ca.certPem),
    ticketKeys: openTicketKeys(dir, { logger: opts.logger }),
  };
}

/**
 * The ticket keys kept in `dir` ({@link TicketKeys}): created on first use, replaced by new
 * random ones when they are older than `lifetimeMs` (or dated in the future), or when the file
 * has the wrong size or cannot be read.
 */
export function openTicketKeys(dir: string, opts: { logger: Logger; lifetimeMs?: number; now?: () => number }): TicketKeys {
  const log = opts.logger.child({ component: 'pki' });
  const path = join(dir, FILES.ticketKeys);
  const lifetimeMs = opts.lifetimeMs ?? TICKET_KEY_LIFETIME_MS;
  const now = opts.now ?? Date.now;
  return {
    async current() {
      // The file: the creation time (ms, 8 bytes big-endian), then the 48 key bytes.
      try {
        const file = await readFile(path);
        if (file.length === 8 + TICKET_KEY_BYTES) {
          const age = now() - Number(file.readBigUInt64BE(0));
          if (age >= 0 && age < lifetimeMs) return file.subarray(8);
        }
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') log.warn({ err, path }, 'unreadable TLS ticket key file: replacing it');
      }
      const file = Buffer.alloc(8 + TICKET_KEY_BYTES);
      file.writeBigUInt64BE(BigInt(Math.floor(now())), 0);
      randomBytes(TICKET_KEY_BYTES).copy(file, 8);
      await writeFileAtomic(path, file, 0o600);
      log.info({ path }, 'new TLS session ticket keys');
      return file.subarray(8);
    },
  };
}

interface PemPair {
  certPem: string;
  keyPem: string;
}

const withNewline = (pem: string): string => (pem.endsWith('\n') ? pem : `${pem}\n`);

function normaliseNames(names: string[]): string[] {
  return [...new Set(names.map((n) => n.trim()).filter(Boolean))].sort();
}

async function loadPair(dir: string, certFile: string, keyFile: string): Promise<PemPair | undefined> {
  try {
    const [certPem, keyPem] = await Promise.all([readFile(join(dir, certFile), 'utf8'), readFile(join(dir, keyFile), 'utf8')]);
    return { certPem, keyPem };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Writes through a temporary file and a rename so a crash never leaves half a key behind. */
async function writeFileAtomic(path: string, data: string | Buffer, mode: number): Promise<void> {
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, data, { mode });
  await chmod(tmp, mode); // the umask may have narrowed or the file may have existed
  await rename(tmp, path);
}

async function writePair(dir: string, certFile: string, keyFile: string, pair: PemPair): Promise<void> {
  await writeFileAtomic(join(dir, keyFile), pair.keyPem, 0o600);
  await writeFileAtomic(join(dir, certFile), pair.certPem, 0o644);
}

async function exportPrivateKey(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END PRIVATE KEY-----\n`;
}

async function importPrivateKey(pem: string): Promise<CryptoKey> {
  const body = pem.replace(/-----(BEGIN|END) PRIVATE KEY-----/g, '').replace(/\s+/g, '');
  try {
    return await webcrypto.subtle.importKey('pkcs8', Buffer.from(body, 'base64'), KEY_ALGORITHM, false, ['sign']);
  } catch (err) {
    throw BrokerErrors.PKI_INVALID(`cannot read the CA key: ${(err as Error).message}`);
  }
}

function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f; // positive INTEGER [RFC 5280 4.1.2.2]
  return bytes.toString('hex');
}

async function createCa(): Promise<PemPair> {
  const keys = (await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
  const notBefore = new Date(Date.now() - 5 * 60 * 1000); // tolerate small clock skew on agents
  const notAfter = new Date(notBefore);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + CA_YEARS);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: `CN=Prophasis private CA ${randomBytes(4).toString('hex')}, O=Prophasis`,
    notBefore,
    notAfter,
    keys,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: withNewline(cert.toString('pem')), keyPem: await exportPrivateKey(keys.privateKey) };
}

async function createServerCertificate(caCert: x509.X509Certificate, caKey: CryptoKey, hostnames: string[], ips: string[]): Promise<PemPair> {
  const keys = (await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
  const notBefore = new Date(Date.now() - 5 * 60 * 1000);
  const notAfter = new Date(notBefore.getTime() + SERVER_DAYS * DAY_MS);
  const names: x509.JsonGeneralName[] = [...hostnames.map((value) => ({ type: 'dns' as const, value })), ...ips.map((value) => ({ type: 'ip' as const, value }))];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: `CN=${hostnames[0] ?? ips[0] ?? 'prophasis'}, O=Prophasis`,
    issuer: caCert.subject,
    notBefore,
    notAfter,
    publicKey: keys.publicKey,
    signingKey: caKey,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: withNewline(cert.toString('pem')), keyPem: await exportPrivateKey(keys.privateKey) };
}

/** Why the stored server certificate must be issued again, or `undefined` when it is fine. */
async function reissueReason(certPem: string, caCert: x509.X509Certificate, hostnames: string[], ips: string[]): Promise<string | undefined> {
  let cert: x509.X509Certificate;
  try {
    cert = new x509.X509Certificate(certPem);
  } catch {
    return 'unreadable';
  }
  if (cert.notAfter.getTime() - Date.now() < RENEW_BEFORE_DAYS * DAY_MS) return 'expires soon';
  if (!(await cert.verify({ publicKey: caCert, signatureOnly: true }))) return 'not signed by this CA';
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  const have = san ? san.names.items : [];
  const haveDns = normaliseNames(have.filter((n) => n.type === 'dns').map((n) => n.value));
  const haveIp = normaliseNames(have.filter((n) => n.type === 'ip').map((n) => n.value));
  if (haveDns.join(',') !== hostnames.join(',') || haveIp.join(',') !== ips.join(',')) return 'names changed';
  return undefined;
}
