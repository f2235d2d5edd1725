import type { CpuTimes, MemoryInfo, MountInfo, ProcessInfo } from '@prophasis/protocol';
import { readdir, readFile, statfs } from 'node:fs/promises';
import os from 'node:os';
import { HOST_LIMITS } from './common.js';
import type { HostFamilyFunctions } from './table.js';

/** Filesystem types that describe no storage and would only clutter disk plugins. */
const PSEUDO_FILESYSTEMS = new Set([
  'autofs', 'binfmt_misc', 'bpf', 'cgroup', 'cgroup2', 'configfs', 'debugfs', 'devpts', 'devtmpfs', 'efivarfs',
  'fusectl', 'hugetlbfs', 'mqueue', 'nsfs', 'proc', 'pstore', 'rpc_pipefs', 'securityfs', 'selinuxfs', 'squashfs',
  'sysfs', 'tracefs', 'overlay', 'ramfs', 'fuse.gvfsd-fuse', 'fuse.portal', 'nfsd', 'devfs',
]);

async function meminfo(): Promise<MemoryInfo> {
  let text = '';
  try {
    text = await readFile('/proc/meminfo', 'utf8');
  } catch {
    // Not Linux: os module figures only.
  }
  const kib = (key: string): number | undefined => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
    return m ? Number(m[1]) * 1024 : undefined;
  };
  const free = os.freemem();
  return {
    totalBytes: os.totalmem(),
    freeBytes: kib('MemFree') ?? free,
    availableBytes: kib('MemAvailable') ?? free,
    swapTotalBytes: kib('SwapTotal') ?? 0,
    swapFreeBytes: kib('SwapFree') ?? 0,
  };
}

/** `/proc/mounts` escapes space, tab, newline and backslash as octal. */
const unescapeMount = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

async function mounts(): Promise<MountInfo[]> {
  let text: string;
  try {
    text = await readFile('/proc/mounts', 'utf8');
  } catch {
    return [];
  }
  const out: MountInfo[] = [];
  const seen = new Set<string>();
  for (const line of text.split('\n')) {
    const [device, rawMountpoint, fstype] = line.split(' ');
    if (!device || !rawMountpoint || !fstype || PSEUDO_FILESYSTEMS.has(fstype)) continue;
    const mountpoint = unescapeMount(rawMountpoint);
    if (seen.has(mountpoint)) continue;
    try {
      const s = await statfs(mountpoint);
      if (s.blocks === 0) continue; // tmpfs-like with no size, or an unreadable stub
      seen.add(mountpoint);
      out.push({
        device: unescapeMount(device),
        mountpoint,
        fstype,
        sizeBytes: s.blocks * s.bsize,
        usedBytes: (s.blocks - s.bfree) * s.bsize,
        availableBytes: s.bavail * s.bsize,
      });
    } catch {
      // A mount we cannot stat (permissions, a hung network share): leave it out.
    }
  }
  return out;
}

async function processes(): Promise<ProcessInfo[]> {
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return [];
  }
  const pids = entries.filter((e) => /^\d+$/.test(e)).slice(0, HOST_LIMITS.processes);
  const out: ProcessInfo[] = [];
  await Promise.all(
    pids.map(async (pid) => {
      try {
        const name = (await readFile(`/proc/${pid}/comm`, 'utf8')).trim();
        out.push({ pid: Number(pid), name });
      } catch {
        // The process ended between readdir and read.
      }
    }),
  );
  return out.sort((a, b) => a.pid - b.pid);
}

/** `host.os.*`: the table's `os.info` kind. */
export function osFunctions(): HostFamilyFunctions<'os.info'> {
  return {
    async 'os.loadavg'() {
      return os.loadavg() as [number, number, number];
    },
    async 'os.memory'() {
      return meminfo();
    },
    async 'os.cpus'() {
      const cpus = os.cpus();
      return { count: cpus.length, times: cpus.map((c): CpuTimes => ({ ...c.times })) };
    },
    async 'os.uptime'() {
      return os.uptime();
    },
    async 'os.hostname'() {
      return os.hostname();
    },
    async 'os.mounts'() {
      return mounts();
    },
    async 'os.processes'() {
      return processes();
    },
  };
}
