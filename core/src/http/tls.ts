import type { Logger } from '@prophasis/protocol';
import { createHash, createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { CORE_CONFIG_ENV, type CoreConfig } from '../kernel/config.js';
import { HttpsErrors } from './errors.js';

/** The certificate and key the console is served with, checked to belong together. */
interface HttpsMaterial {
  certPem: string;
  keyPem: string;
  /** `files`: `httpsCert`/`httpsKey`; `own-ca`: issued by the core's private CA (`httpsSelfSigned`). */
  source: 'files' | 'own-ca';
  /** `sha256//…` of the certificate's public key, the pin `curl --pinnedpubkey` takes. */
  publicKeyPin: string;
  notAfter: Date;
}

type HttpsSettings = Pick<CoreConfig, 'httpsCert' | 'httpsKey' | 'httpsSelfSigned'>;

/** `httpsCert (PROPHASIS_HTTPS_CERT)`: how a refusal names a setting. */
const named = (key: keyof HttpsSettings): string => `${key} (${CORE_CONFIG_ENV[key]})`;

/**
 * What the HTTP server presents when HTTPS is configured, or `undefined` for plain HTTP.
 * `httpsCert` + `httpsKey`: those PEM files (the certificate may be followed by its chain);
 * `httpsSelfSigned`: the server certificate the core's own CA issued (`ownCa`, the same one the
 * MQTT listener presents). Refuses, naming the setting and its variable, half a configuration,
 * both sources at once, a file it cannot read, a file that holds no certificate or no
 * unencrypted key, and a key that does not belong to the certificate.
 */
export async function loadHttpsMaterial(
  settings: HttpsSettings,
  deps: { ownCa: () => Promise<{ certPem: string; keyPem: string }>; logger: Logger; now?: () => number },
): Promise<HttpsMaterial | undefined> {
  const files = settings.httpsCert !== '' || settings.httpsKey !== '';
  if (!files && !settings.httpsSelfSigned) return undefined;
  if (files && settings.httpsSelfSigned) {
    throw HttpsErrors.AMBIGUOUS(`set either ${named('httpsCert')} and ${named('httpsKey')}, or ${named('httpsSelfSigned')}, not both`);
  }
  let material: { certPem: string; keyPem: string };
  if (files) {
    for (const key of ['httpsCert', 'httpsKey'] as const) {
      if (settings[key] === '') throw HttpsErrors.INCOMPLETE(`${named(key)} is not set`, { key });
    }
    material = { certPem: await readPem(settings.httpsCert, 'httpsCert'), keyPem: await readPem(settings.httpsKey, 'httpsKey') };
  } else {
    material = await deps.ownCa();
  }
  const source = files ? 'files' : 'own-ca';
  const where = (key: 'httpsCert' | 'httpsKey') => (files ? `${named(key)}: ${settings[key]}` : `the core's own ${key === 'httpsCert' ? 'server certificate' : 'server key'}`);

  let cert: X509Certificate;
  try {
    cert = new X509Certificate(material.certPem);
  } catch (err) {
    throw HttpsErrors.INVALID(`${where('httpsCert')} holds no PEM certificate (${(err as Error).message})`, { key: 'httpsCert' });
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(material.keyPem);
  } catch (err) {
    // Also a passphrase-protected key: the core starts unattended, so it has no one to ask.
    throw HttpsErrors.INVALID(`${where('httpsKey')} holds no unencrypted PEM private key (${(err as Error).message})`, { key: 'httpsKey' });
  }
  if (!cert.checkPrivateKey(key)) {
    throw HttpsErrors.KEY_MISMATCH(`${where('httpsKey')} is not the key of ${where('httpsCert')} (subject ${cert.subject.replaceAll('\n', ', ')})`, { key: 'httpsKey' });
  }
  const notAfter = new Date(cert.validTo);
  if (notAfter.getTime() < (deps.now ?? Date.now)()) {
    // Served anyway (browsers say why they object), but said loudly: replacing the file and restarting fixes it.
    deps.logger.warn({ component: 'http', validTo: cert.validTo, subject: cert.subject }, 'the HTTPS certificate has expired');
  }
  return { ...material, source, publicKeyPin: publicKeyPin(cert), notAfter };
}

/** `sha256//<base64>` of a certificate's public key (SPKI), the form `curl --pinnedpubkey` takes. */
export function publicKeyPin(cert: X509Certificate | string): string {
  const x509 = typeof cert === 'string' ? new X509Certificate(cert) : cert;
  return `sha256//${createHash('sha256').update(x509.publicKey.export({ type: 'spki', format: 'der' })).digest('base64')}`;
}

async function readPem(path: string, key: 'httpsCert' | 'httpsKey'): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw HttpsErrors.UNREADABLE(`${named(key)}: ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { key, path });
  }
}
