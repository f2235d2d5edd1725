import type { MountInfo, PluginHost, PluginOutput } from '@prophasis/protocol';

/**
 * Disk usage: the share of a mounted file system in use, by mount point, from the agent's
 * `os.mounts()` (statfs of each mount).
 * Self-contained: the agent runs the built file with no imports (plugins/README.md).
 */

/** Failures are results, not exceptions (plugins/README.md, "Errors"). */
const unsuccessful = (message: string): PluginOutput => ({ resultType: 'command_unsuccessful', message });

function describeError(err: unknown): string {
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : String(err);
  return typeof code === 'string' && !text.includes(code) ? `${code}: ${text}` : text;
}

function size(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  while (bytes >= 1024 && i < units.length - 1) {
    bytes /= 1024;
    i++;
  }
  return `${bytes.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

export async function measure(host: PluginHost, params: Record<string, unknown>): Promise<PluginOutput> {
  const wanted = params.mountpoint ?? '/';
  if (typeof wanted !== 'string' || !wanted.startsWith('/')) {
    return unsuccessful(`parameter mountpoint must be an absolute path, not ${JSON.stringify(wanted)}`);
  }
  // "/data/" and "/data" name the same mount.
  const mountpoint = wanted.length > 1 ? wanted.replace(/\/+$/, '') : wanted;
  if (!host.os) return unsuccessful('capability os.info is not approved');

  let mounts: MountInfo[];
  try {
    mounts = await host.os.mounts();
  } catch (err) {
    return unsuccessful(`cannot list mounts: ${describeError(err)}`);
  }
  // The last mount at a path is the one in effect (a later mount hides an earlier one).
  const mount = mounts.filter((m) => m.mountpoint === mountpoint).at(-1);
  if (!mount) {
    const real = mounts.filter((m) => m.sizeBytes > 0).map((m) => m.mountpoint);
    const listed = real.slice(0, 12).join(', ') + (real.length > 12 ? ', ...' : '');
    return unsuccessful(`no file system mounted at ${mountpoint} (mounted: ${listed || 'none'})`);
  }
  // Like df: used / (used + available), so blocks reserved for root count as unavailable.
  const usable = mount.usedBytes + mount.availableBytes;
  if (usable <= 0) return unsuccessful(`${mountpoint} (${mount.fstype} on ${mount.device}) reports no size`);
  const percent = Math.round((mount.usedBytes / usable) * 1000) / 10;
  return {
    value: percent,
    message: `${mountpoint} (${mount.fstype} on ${mount.device}): ${percent}% used, ${size(mount.availableBytes)} free of ${size(mount.sizeBytes)}`,
  };
}
