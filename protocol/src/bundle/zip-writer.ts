import AdmZip from 'adm-zip';

// 1980-01-01 00:00, the first instant a DOS timestamp can hold. Built from local-time
// components because adm-zip converts with local-time getters, so every time zone writes the
// same bytes.
const FIXED_TIME = new Date(1980, 0, 1, 0, 0, 0);
const MADE_BY_UNIX_V20 = 0x0314; // APPNOTE 4.4.2: host 3 (UNIX), spec version 2.0
const REGULAR_FILE_0644 = 0o100644;

/**
 * Writes a deterministic zip: entries in byte order of their names, fixed timestamps,
 * the same "made by" and file mode on every platform, regular files only. The same files
 * therefore always give the same bytes, and so the same bundle hash.
 */
export function writeZip(files: ReadonlyMap<string, Buffer>): Buffer {
  const zip = new AdmZip(undefined, { noSort: true });
  for (const name of [...files.keys()].sort(compareBytes)) {
    const entry = zip.addFile(name, files.get(name)!, '', REGULAR_FILE_0644);
    entry.header.time = FIXED_TIME;
    entry.header.made = MADE_BY_UNIX_V20;
  }
  return zip.toBuffer();
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
