import { constants as fsConstants } from 'node:fs';
import { open, readdir, realpath } from 'node:fs/promises';
import type { CapabilitySet } from '../capabilities.js';
import { normalisePath } from '../capabilities.js';
import { denied, HOST_LIMITS, PluginCallError } from './common.js';
import type { HostFamilyFunctions } from './table.js';

/**
 * Resolves a requested path for reading: refused unless both the path as written and its real
 * path (symlinks resolved) are covered, so a link under a declared directory cannot point
 * outside it. Nothing touches the filesystem before the written path is known to be covered,
 * so a plugin cannot probe for the existence of undeclared files.
 */
async function resolveReadable(caps: CapabilitySet, path: unknown): Promise<string> {
  const p = normalisePath(path);
  if (p === null) throw denied(`reading ${JSON.stringify(path)} (paths must be absolute, without . or ..)`, caps);
  if (!caps.allowsRead(p)) throw denied(`reading ${p}`, caps);
  const real = await realpath(p);
  if (real !== p && !caps.allowsRead(real)) throw denied(`reading ${p} (a link to ${real})`, caps);
  return real;
}

async function readCapped(path: string, limit: number): Promise<string> {
  // O_NOFOLLOW: the real path was checked; a link swapped in since is refused, not followed.
  // O_NONBLOCK: a FIFO at a declared path must not hang the call.
  const handle = await open(path, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new PluginCallError('not_a_file', `${path} is not a regular file`);
    // /proc and /sys files report size 0, so read until EOF instead of trusting the size.
    const buffer = Buffer.alloc(limit + 1);
    let length = 0;
    while (length <= limit) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > limit) throw new PluginCallError('file_too_large', `${path} is larger than ${limit} bytes`);
    return buffer.subarray(0, length).toString('utf8');
  } finally {
    await handle.close();
  }
}

/** `host.readFile` and `host.listDir`: the table's `fs.read` kind. */
export function fsFunctions(caps: CapabilitySet): HostFamilyFunctions<'fs.read'> {
  return {
    async readFile(path) {
      const real = await resolveReadable(caps, path);
      return readCapped(real, HOST_LIMITS.readFileBytes);
    },

    async listDir(path) {
      const p = normalisePath(path);
      const filter = p === null ? null : caps.listFilter(p);
      if (p === null || filter === null) throw denied(`listing ${JSON.stringify(path)} (needs fs.read:DIR/* for that directory)`, caps);
      const real = await realpath(p);
      if (real !== p) throw denied(`listing ${p} (a link to ${real})`, caps);
      const names = (await readdir(real)).filter(filter).sort();
      return names.slice(0, HOST_LIMITS.listDirEntries);
    },
  };
}
