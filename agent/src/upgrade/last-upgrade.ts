import { AGENT_UPGRADE_STATES, type BodyOf } from '@prophasis/protocol';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UPGRADE_STATE_FILE } from './install.js';

type LastUpgrade = NonNullable<BodyOf<'state'>['upgrade']>;

/** ROOT/upgrade-state.json as `state` online carries it; null when there is none or it is not one. */
async function readLastUpgrade(root: string): Promise<LastUpgrade | null> {
  try {
    const v = JSON.parse(await readFile(join(root, UPGRADE_STATE_FILE), 'utf8')) as Record<string, unknown>;
    const state = AGENT_UPGRADE_STATES.find((s) => s === v.state);
    const short = (x: unknown): x is string => typeof x === 'string' && x.length <= 64;
    if (!state || !short(v.from) || !short(v.to) || typeof v.at !== 'number' || !Number.isInteger(v.at) || v.at < 0) return null;
    return { state, from: v.from, to: v.to, at: v.at, ...(typeof v.reason === 'string' ? { reason: v.reason.slice(0, 2000) } : {}) };
  } catch {
    return null;
  }
}

export interface LastUpgradeWatch {
  /** The record as last read (undefined: none). */
  current(): LastUpgrade | undefined;
  start(): Promise<void>;
  stop(): void;
}

/**
 * Follows ROOT/upgrade-state.json for `state` online (docs/decisions/0009-agent-self-upgrade.md,
 * "Reporting"). The upgrader writes it while this agent runs (`upgraded` after the new version
 * connected; `rolled-back` after the old one came back), so it is read again every `intervalMs`
 * and `onChange` is called when it changed: the agent then announces itself again.
 * Without a versioned installation (`root` null: run from source) there is nothing to follow.
 */
export function watchLastUpgrade(root: string | null, onChange: () => void, intervalMs = 15_000): LastUpgradeWatch {
  let last: LastUpgrade | undefined;
  let timer: NodeJS.Timeout | undefined;
  const read = async () => {
    if (!root) return;
    const next = (await readLastUpgrade(root)) ?? undefined;
    if (JSON.stringify(next) === JSON.stringify(last)) return;
    last = next;
    onChange();
  };
  return {
    current: () => last,
    async start() {
      if (!root) return;
      last = (await readLastUpgrade(root)) ?? undefined;
      timer = setInterval(() => void read(), intervalMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}
