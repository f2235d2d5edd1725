import { createCipheriv, createDecipheriv, randomBytes, scrypt as scryptCb, type ScryptOptions } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rm, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { BackupErrors } from './errors.js';

/*
 * The encrypted container of a backup (docs/operations.md, "Backup and restore"):
 *
 *   PROPHASIS-BACKUP-1\n
 *   {"kdf":"scrypt","N":…,"r":…,"p":…,"salt":"…","cipher":"aes-256-gcm","iv":"…"}\n
 *   ciphertext of the gzipped tar
 *   16-byte GCM tag
 *
 * The key comes from the passphrase with scrypt; AES-256-GCM authenticates every byte, so a
 * truncated, altered or foreign file is refused as a whole before anything of it is used.
 */
const MAGIC = 'PROPHASIS-BACKUP-1\n';
const TAG_BYTES = 16;
const SCRYPT = { N: 32_768, r: 8, p: 1 } as const;
/** The header is one short line; anything longer is not ours. */
const MAX_HEADER = 1024;

interface Header {
  kdf: 'scrypt';
  N: number;
  r: number;
  p: number;
  salt: string;
  cipher: 'aes-256-gcm';
  iv: string;
}

function deriveKey(passphrase: string, salt: Buffer, params: Pick<Header, 'N' | 'r' | 'p'>): Promise<Buffer> {
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r };
  return new Promise((resolve, reject) => scryptCb(passphrase, salt, 32, options, (err, key) => (err ? reject(err) : resolve(key))));
}

/** Encrypts `plainFile` into `outFile` (mode 0600) with a key derived from `passphrase`. */
export async function encryptFile(plainFile: string, outFile: string, passphrase: string): Promise<void> {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const header: Header = { kdf: 'scrypt', ...SCRYPT, salt: salt.toString('base64'), cipher: 'aes-256-gcm', iv: iv.toString('base64') };
  const cipher = createCipheriv('aes-256-gcm', await deriveKey(passphrase, salt, SCRYPT), iv);
  const out = createWriteStream(outFile, { mode: 0o600 });
  out.write(MAGIC + JSON.stringify(header) + '\n');
  await pipeline(createReadStream(plainFile), cipher, out, { end: false });
  await new Promise<void>((resolve, reject) => out.end(cipher.getAuthTag(), (err?: Error | null) => (err ? reject(err) : resolve())));
}

/** Reads and checks the header; returns it and where the ciphertext starts. */
async function readHeader(file: string): Promise<{ header: Header; start: number; size: number }> {
  const { size } = await stat(file).catch(() => {
    throw BackupErrors.UNREADABLE(`${file} does not exist or cannot be read`);
  });
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(Math.min(size, MAGIC.length + MAX_HEADER));
    await handle.read(head, 0, head.length, 0);
    if (head.subarray(0, MAGIC.length).toString('latin1') !== MAGIC) throw BackupErrors.NOT_A_BACKUP(`${file} is not a Prophasis backup`);
    const end = head.indexOf('\n', MAGIC.length);
    if (end < 0) throw BackupErrors.DAMAGED(`${file}: the header is cut off`);
    let header: Header;
    try {
      header = JSON.parse(head.subarray(MAGIC.length, end).toString('utf8')) as Header;
    } catch {
      throw BackupErrors.DAMAGED(`${file}: the header is not readable`);
    }
    if (header.kdf !== 'scrypt' || header.cipher !== 'aes-256-gcm' || ![header.N, header.r, header.p].every(Number.isInteger) || header.N > 1_048_576) {
      throw BackupErrors.DAMAGED(`${file}: unknown encryption parameters`);
    }
    const start = end + 1;
    if (size <= start + TAG_BYTES) throw BackupErrors.DAMAGED(`${file} is truncated`);
    return { header, start, size };
  } finally {
    await handle.close();
  }
}

/**
 * Decrypts `file` into `outFile`. A wrong passphrase, a truncated or altered file is refused
 * (`CORE_BACKUP_DAMAGED`) and `outFile` removed: nothing unauthenticated is left to use.
 */
export async function decryptFile(file: string, outFile: string, passphrase: string): Promise<void> {
  const { header, start, size } = await readHeader(file);
  const tag = Buffer.alloc(TAG_BYTES);
  const handle = await open(file, 'r');
  try {
    await handle.read(tag, 0, TAG_BYTES, size - TAG_BYTES);
  } finally {
    await handle.close();
  }
  const key = await deriveKey(passphrase, Buffer.from(header.salt, 'base64'), header);
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(header.iv, 'base64'));
  decipher.setAuthTag(tag);
  try {
    await pipeline(createReadStream(file, { start, end: size - TAG_BYTES - 1 }), decipher, createWriteStream(outFile, { mode: 0o600 }));
  } catch (err) {
    await rm(outFile, { force: true });
    if ((err as Error).message.includes('authenticate')) throw BackupErrors.DAMAGED('its encrypted contents do not authenticate with this passphrase; nothing was restored');
    throw err;
  }
}
