import { crc32, inflateRawSync } from 'node:zlib';
import { BundleErrors } from './errors.js';
import type { BundleLimits } from './limits.js';
import { checkBundlePath } from './paths.js';

/*
 * A deliberately small and strict zip reader for untrusted bundles. adm-zip writes bundles
 * (zip-writer.ts), but reading goes through this file because every check below has to happen
 * before a single byte is inflated, and adm-zip's reader merges duplicate names, invents
 * folder entries and inflates whatever the header claims. Offsets are from APPNOTE.TXT
 * (PKWARE .ZIP File Format Specification 6.3.10), section numbers cited where they matter.
 */

const EOCD_SIGNATURE = 0x06054b50; // 4.3.16
const EOCD_SIZE = 22;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50; // 4.3.15
const CENTRAL_SIGNATURE = 0x02014b50; // 4.3.12
const CENTRAL_SIZE = 46;
const LOCAL_SIGNATURE = 0x04034b50; // 4.3.7
const LOCAL_SIZE = 30;

const FLAG_ENCRYPTED = 1 << 0; // 4.4.4 bit 0
const FLAG_DATA_DESCRIPTOR = 1 << 3; // sizes and CRC follow the data; the central copy holds them
const FLAG_STRONG_ENCRYPTION = 1 << 6;
const FLAG_MASKED_HEADERS = 1 << 13;
const METHOD_STORED = 0;
const METHOD_DEFLATED = 8;

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const DOS_DIRECTORY = 0x10;

/** One file of a zip, read, inflated and checked. */
export interface ZipFileEntry {
  name: string;
  data: Buffer;
}

interface CentralEntry {
  name: string;
  rawName: Buffer;
  directory: boolean;
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
  dataStart: number;
}

/**
 * Reads every file of a zip under `limits`, refusing anything that is not a plain archive of
 * regular files with plain relative names. Directory entries are accepted when they are
 * plain and empty, and are not returned. Throws a `BUNDLE_*` error, never anything else.
 */
export function readZip(zip: Buffer, limits: BundleLimits): ZipFileEntry[] {
  if (!Buffer.isBuffer(zip)) throw BundleErrors.NOT_A_ZIP('expected bytes');
  if (zip.length > limits.maxPackedBytes) throw BundleErrors.TOO_LARGE(`${zip.length} bytes, at most ${limits.maxPackedBytes}`);

  const eocd = findEndOfCentralDirectory(zip);
  const entryCount = zip.readUInt16LE(eocd + 10);
  const centralSize = zip.readUInt32LE(eocd + 12);
  const centralOffset = zip.readUInt32LE(eocd + 16);
  if (zip.readUInt16LE(eocd + 4) !== 0 || zip.readUInt16LE(eocd + 6) !== 0 || zip.readUInt16LE(eocd + 8) !== entryCount) {
    throw BundleErrors.UNSUPPORTED_ZIP('multi-disk archive');
  }
  if (entryCount === 0xffff || centralSize === 0xffffffff || centralOffset === 0xffffffff || (eocd >= 20 && zip.readUInt32LE(eocd - 20) === ZIP64_LOCATOR_SIGNATURE)) {
    throw BundleErrors.UNSUPPORTED_ZIP('zip64');
  }
  // Counted from the end record before the central directory is walked, so a zip claiming
  // millions of entries costs nothing.
  if (entryCount > limits.maxEntries) throw BundleErrors.TOO_MANY_ENTRIES(`${entryCount} entries, at most ${limits.maxEntries}`);
  // No prepended data and no gap: the central directory ends where the end record starts.
  if (centralOffset + centralSize !== eocd) throw BundleErrors.CORRUPT('central directory is not where the end record says');

  const entries = readCentralDirectory(zip, centralOffset, centralSize, entryCount);

  // Header sizes are checked before anything is inflated: a zip bomb is refused by the sum
  // its headers declare, and a header that lies is caught by the bounded inflate below.
  const declared = entries.reduce((sum, e) => sum + e.size, 0);
  if (declared > limits.maxUnpackedBytes) throw BundleErrors.TOO_LARGE_UNPACKED(`${declared} bytes, at most ${limits.maxUnpackedBytes}`);

  checkLocalHeaders(zip, entries, centralOffset);

  const files: ZipFileEntry[] = [];
  for (const entry of entries) {
    if (entry.directory) continue;
    files.push({ name: entry.name, data: readData(zip, entry) });
  }
  return files;
}

function findEndOfCentralDirectory(zip: Buffer): number {
  if (zip.length < EOCD_SIZE) throw BundleErrors.NOT_A_ZIP(`${zip.length} bytes`);
  const lowest = Math.max(0, zip.length - EOCD_SIZE - 0xffff);
  for (let at = zip.length - EOCD_SIZE; at >= lowest; at--) {
    // The comment must run exactly to the end of the file: trailing bytes are refused rather
    // than guessed around, so two readers can never disagree about where the archive is.
    if (zip.readUInt32LE(at) === EOCD_SIGNATURE && at + EOCD_SIZE + zip.readUInt16LE(at + 20) === zip.length) return at;
  }
  throw BundleErrors.NOT_A_ZIP('no end of central directory record');
}

function readCentralDirectory(zip: Buffer, offset: number, size: number, count: number): CentralEntry[] {
  const end = offset + size;
  const entries: CentralEntry[] = [];
  const seen = new Map<string, boolean>(); // lower-cased name → is a directory
  let at = offset;
  for (let i = 0; i < count; i++) {
    if (at + CENTRAL_SIZE > end || zip.readUInt32LE(at) !== CENTRAL_SIGNATURE) throw BundleErrors.CORRUPT(`central header ${i} is damaged`);
    const flags = zip.readUInt16LE(at + 8);
    const method = zip.readUInt16LE(at + 10);
    const crc = zip.readUInt32LE(at + 16);
    const compressedSize = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const externalAttributes = zip.readUInt32LE(at + 38);
    const localOffset = zip.readUInt32LE(at + 42);
    const next = at + CENTRAL_SIZE + nameLength + extraLength + commentLength;
    if (next > end) throw BundleErrors.CORRUPT(`central header ${i} runs past the central directory`);
    const rawName = zip.subarray(at + CENTRAL_SIZE, at + CENTRAL_SIZE + nameLength);
    at = next;

    // latin1 maps every byte to one character; anything outside ASCII then fails the path rule.
    const fullName = rawName.toString('latin1');
    const directory = fullName.endsWith('/');
    const name = checkBundlePath(directory ? fullName.slice(0, -1) : fullName);

    const mode = externalAttributes >>> 16;
    const type = mode & S_IFMT;
    if (type === S_IFLNK) throw BundleErrors.SYMLINK(JSON.stringify(name));
    if (directory) {
      if ((type !== 0 && type !== S_IFDIR) || size !== 0 || compressedSize !== 0) {
        throw BundleErrors.BAD_ENTRY_TYPE(`${JSON.stringify(fullName)} is a directory entry with content or a special type`);
      }
    } else if ((type !== 0 && type !== S_IFREG) || (externalAttributes & DOS_DIRECTORY) !== 0) {
      throw BundleErrors.BAD_ENTRY_TYPE(`${JSON.stringify(name)} (mode ${type.toString(8).padStart(6, '0')})`);
    }
    if (flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION | FLAG_MASKED_HEADERS)) throw BundleErrors.UNSUPPORTED_ZIP(`${JSON.stringify(name)} is encrypted`);
    if (method !== METHOD_STORED && method !== METHOD_DEFLATED) throw BundleErrors.UNSUPPORTED_ZIP(`${JSON.stringify(name)} uses compression method ${method}`);
    if (method === METHOD_STORED && compressedSize !== size) {
      throw BundleErrors.SIZE_MISMATCH(`${JSON.stringify(name)} is stored with ${compressedSize} bytes but declares ${size}`);
    }

    // Case-insensitive, because a bundle is unpacked on file systems that are (macOS, Windows).
    const key = name.toLowerCase();
    if (seen.has(key)) {
      if (directory && seen.get(key) === true) throw BundleErrors.DUPLICATE_ENTRY(`directory ${JSON.stringify(fullName)} appears twice`);
      throw BundleErrors.DUPLICATE_ENTRY(JSON.stringify(name));
    }
    seen.set(key, directory);
    entries.push({ name, rawName, directory, flags, method, crc, compressedSize, size, localOffset, dataStart: 0 });
  }
  if (at !== end) throw BundleErrors.CORRUPT('central directory has trailing bytes');

  // A file may not also be a directory of another entry (`a` and `a/b`).
  for (const entry of entries) {
    const parts = entry.name.toLowerCase().split('/');
    for (let depth = 1; depth < parts.length; depth++) {
      if (seen.get(parts.slice(0, depth).join('/')) === false) {
        throw BundleErrors.DUPLICATE_ENTRY(`${JSON.stringify(parts.slice(0, depth).join('/'))} is both a file and a directory`);
      }
    }
  }
  return entries;
}

/** Local headers must agree with the central directory and their data must not overlap. */
function checkLocalHeaders(zip: Buffer, entries: CentralEntry[], centralOffset: number): void {
  const ranges: Array<[number, number, string]> = [];
  for (const entry of entries) {
    const at = entry.localOffset;
    if (at + LOCAL_SIZE > centralOffset || zip.readUInt32LE(at) !== LOCAL_SIGNATURE) throw BundleErrors.CORRUPT(`local header of ${JSON.stringify(entry.name)} is damaged`);
    const nameLength = zip.readUInt16LE(at + 26);
    const extraLength = zip.readUInt16LE(at + 28);
    const dataStart = at + LOCAL_SIZE + nameLength + extraLength;
    // Two names for one entry is how archives show one file to a checker and another to an
    // extractor; the local name must be the central name byte for byte.
    if (dataStart > centralOffset || !zip.subarray(at + LOCAL_SIZE, at + LOCAL_SIZE + nameLength).equals(entry.rawName)) {
      throw BundleErrors.CORRUPT(`local header of ${JSON.stringify(entry.name)} names another file`);
    }
    if (zip.readUInt16LE(at + 8) !== entry.method) throw BundleErrors.CORRUPT(`local header of ${JSON.stringify(entry.name)} has another compression method`);
    if ((entry.flags & FLAG_DATA_DESCRIPTOR) === 0) {
      const localCrc = zip.readUInt32LE(at + 14);
      const localCompressed = zip.readUInt32LE(at + 18);
      const localSize = zip.readUInt32LE(at + 22);
      if (localCompressed !== entry.compressedSize || localSize !== entry.size) {
        throw BundleErrors.SIZE_MISMATCH(`local and central headers of ${JSON.stringify(entry.name)} declare different sizes`);
      }
      if (localCrc !== entry.crc) throw BundleErrors.CORRUPT(`local and central headers of ${JSON.stringify(entry.name)} declare different CRCs`);
    }
    const dataEnd = dataStart + entry.compressedSize;
    if (dataEnd > centralOffset) throw BundleErrors.CORRUPT(`data of ${JSON.stringify(entry.name)} runs into the central directory`);
    entry.dataStart = dataStart;
    ranges.push([at, dataEnd, entry.name]);
  }
  // Overlapping entries are the trick of non-recursive zip bombs (Fifield, "A better zip bomb").
  ranges.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i]![0] < ranges[i - 1]![1]) throw BundleErrors.CORRUPT(`entries ${JSON.stringify(ranges[i - 1]![2])} and ${JSON.stringify(ranges[i]![2])} overlap`);
  }
}

function readData(zip: Buffer, entry: CentralEntry): Buffer {
  const raw = zip.subarray(entry.dataStart, entry.dataStart + entry.compressedSize);
  let data: Buffer;
  if (entry.method === METHOD_STORED) {
    data = Buffer.from(raw);
  } else {
    try {
      // Never inflate more than the header declared (plus one byte to notice the excess).
      data = inflateRawSync(raw, { maxOutputLength: entry.size + 1 });
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
        throw BundleErrors.SIZE_MISMATCH(`${JSON.stringify(entry.name)} inflates to more than the ${entry.size} bytes its header declares`);
      }
      throw BundleErrors.CORRUPT(`${JSON.stringify(entry.name)} does not inflate: ${(err as Error).message}`);
    }
  }
  if (data.length !== entry.size) {
    throw BundleErrors.SIZE_MISMATCH(`${JSON.stringify(entry.name)} is ${data.length === entry.size + 1 ? 'more than' : String(data.length)} bytes, its header declares ${entry.size}`);
  }
  if (crc32(data) !== entry.crc) throw BundleErrors.CORRUPT(`${JSON.stringify(entry.name)} fails its CRC check`);
  return data;
}
