import { createMessage, type CmdMessage } from '@prophasis/protocol';
import { createHash } from 'node:crypto';
import type { BundleSource, PublisherKey } from './bundle-source.js';
import { DispatchErrors } from './errors.js';
import { canonicalJson, type HostPlan } from './plan.js';

/** What the dispatcher needs from the transport (declared by its consumer). */
export interface CommandPublisher {
  publishCommand(agentId: string, message: CmdMessage): Promise<void>;
}

/** What each agent holds and was sent, and the commands that bring it up to date. */
export interface AgentCommands {
  /** The hash of the trusted-publisher list now. */
  trustHash(): string;
  /** The hash each agent was last sent (undefined: never, in this process). */
  configSentTo(agentId: string): string | undefined;
  /** `config.set` with the trusted publishers, unless the agent has this list already (or `force`). */
  sendConfig(agentId: string, force: boolean): Promise<void>;
  /** `bundle.install`, unless the agent reported or was sent this bundle. */
  sendBundle(agentId: string, pluginId: string, version: string, sha256: string): Promise<void>;
  /** config.set if needed → bundles the plan needs that the agent lacks → plan.set. */
  publishPlan(agentId: string, plan: HostPlan, revision: number): Promise<void>;
  /** The agent came online reporting these bundles: what was sent before is forgotten. */
  online(agentId: string, bundles: readonly string[]): void;
  /** The agent confirmed (`installed`) or dropped a bundle. */
  bundleStatus(agentId: string, sha256: string, installed: boolean): void;
}

/**
 * The commands the dispatcher publishes on an agent's cmd topic (docs/pipeline.md, "Dispatch"),
 * with the bookkeeping that keeps them from being sent twice: bundles each agent reported or
 * confirmed, bundles sent since its last report, and the trusted-publisher list it was sent.
 */
export function createAgentCommands(deps: { transport: CommandPublisher; bundles: BundleSource }): AgentCommands {
  /** Bundles each agent reported (state) or confirmed (bundle.status installed). */
  const reported = new Map<string, Set<string>>();
  /** Bundles sent since the agent's last report. */
  const sent = new Map<string, Set<string>>();
  /** Hash of the trusted-publisher list each agent was sent in this process. */
  const configSent = new Map<string, string>();

  function trusted(): { list: PublisherKey[]; hash: string } {
    const list = deps.bundles.trustedPublishers().map((k) => ({ keyId: k.keyId, publicKeyPem: k.publicKeyPem, ...(k.name ? { name: k.name.slice(0, 100) } : {}) }));
    return { list, hash: createHash('sha256').update(canonicalJson(list)).digest('hex') };
  }

  function has(agentId: string, sha256: string): boolean {
    return !!reported.get(agentId)?.has(sha256) || !!sent.get(agentId)?.has(sha256);
  }

  async function sendBundle(agentId: string, pluginId: string, version: string, sha256: string): Promise<void> {
    if (has(agentId, sha256)) return;
    const zip = await deps.bundles.getBundle(sha256);
    if (!zip) throw DispatchErrors.BUNDLE_MISSING(`${pluginId}@${version} (${sha256})`);
    await deps.transport.publishCommand(agentId, createMessage('bundle.install', { pluginId, version, sha256, bundle: zip.toString('base64') }) as CmdMessage);
    let set = sent.get(agentId);
    if (!set) sent.set(agentId, (set = new Set()));
    set.add(sha256);
  }

  async function sendConfig(agentId: string, force: boolean): Promise<void> {
    const t = trusted();
    if (!force && configSent.get(agentId) === t.hash) return;
    await deps.transport.publishCommand(agentId, createMessage('config.set', { trustedPublishers: t.list }) as CmdMessage);
    configSent.set(agentId, t.hash);
  }

  return {
    trustHash: () => trusted().hash,
    configSentTo: (agentId) => configSent.get(agentId),
    sendConfig,
    sendBundle,
    async publishPlan(agentId, plan, revision) {
      await sendConfig(agentId, false);
      const seen = new Set<string>();
      for (const { entry } of plan.entries) {
        if (seen.has(entry.sha256)) continue;
        seen.add(entry.sha256);
        await sendBundle(agentId, entry.pluginId, entry.version, entry.sha256);
      }
      await deps.transport.publishCommand(
        agentId,
        createMessage('plan.set', { revision, maxLatenessMs: plan.maxLatenessMs, entries: plan.entries.map((e) => e.entry) }) as CmdMessage,
      );
    },
    online(agentId, bundles) {
      reported.set(agentId, new Set(bundles));
      sent.delete(agentId);
    },
    bundleStatus(agentId, sha256, installed) {
      if (installed) {
        let set = reported.get(agentId);
        if (!set) reported.set(agentId, (set = new Set()));
        set.add(sha256);
      } else {
        reported.get(agentId)?.delete(sha256);
        sent.get(agentId)?.delete(sha256);
      }
    },
  };
}
