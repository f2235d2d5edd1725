import { renameSync, rmSync, writeFileSync } from 'node:fs';

/** Where a command prints, and the folder relative paths start from. Tests pass their own. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  cwd: string;
}

/** Exit codes of `prophasis-plugin` (docs/bundles.md). */
export const EXIT = {
  OK: 0,
  /** The bundle, key or folder was refused, or the signature was not checked against a trusted key. */
  REFUSED: 1,
  /** The command line itself was wrong. */
  USAGE: 2,
} as const;

/** One sub-command, registered by name in `commands.ts`. */
export interface Command {
  /** `pack DIR [--out FILE]` */
  usage: string;
  summary: string;
  run(args: string[], io: CliIo): number | Promise<number>;
}

/** A wrong command line; printed with the command's usage and exit code 2. */
export class UsageError extends Error {}

/**
 * Writes through a temporary file and a rename, so a bundle on disk is always either the old
 * one or the complete new one, never half of it (`sign` rewrites its input by default).
 */
export function writeFileAtomic(path: string, data: Buffer): void {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, data, { flag: 'wx', mode: 0o644 });
    renameSync(temporary, path);
  } catch (err) {
    rmSync(temporary, { force: true });
    throw err;
  }
}

/** Two aligned columns, as every command prints its summary. */
export function table(rows: Array<[string, string]>): string[] {
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`);
}
