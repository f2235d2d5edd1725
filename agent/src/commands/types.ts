import type { BodyOf, CmdMessage, Logger, ResMessage } from '@prophasis/protocol';
import type { BundleToInstall, InstallOutcome, InstalledBundle } from '../bundles/store.js';
import type { TrustedPublisher } from '../bundles/trust.js';
import type { OutboxCaps } from '../outbox/outbox.js';
import type { CheckRun } from '../plan/runner.js';
import type { Plan } from '../plan/plan-state.js';

/** A command of one type, narrowed from the `cmd` union. */
type CommandOf<T extends CmdMessage['type']> = Extract<CmdMessage, { type: T }>;

/** What every handler may touch. Small on purpose; the services below go to the handlers that need them. */
export interface CommandContext {
  logger: Logger;
  /** Changes the level of the agent's root logger (and so of every child). */
  setLogLevel(level: string): void;
}

/** The parts of the agent the command handlers act on (declared here, by the consumer). */
export interface CommandServices {
  plan: {
    setPlan(plan: Plan): boolean;
    runNow(request: CheckRun): void;
    bundlesInUse(): Set<string>;
    revision(): number | undefined;
  };
  bundles: {
    install(request: BundleToInstall): Promise<InstallOutcome>;
    remove(sha256: string): Promise<InstalledBundle | undefined>;
    prune(keep: ReadonlySet<string>): Promise<InstalledBundle[]>;
  };
  outbox: { setCaps(caps: Partial<OutboxCaps>): void };
  trust: { setPublishers(publishers: readonly TrustedPublisher[]): Promise<{ accepted: number; refused: string[] }> };
  /**
   * Sends a status message (`bundle.status`) to the core. Not awaited by handlers: the PUBACK
   * of our publish is read by the same client that is waiting for this handler to finish.
   */
  send(message: ResMessage): void;
  /** The installed bundles changed: the retained `state` online is refreshed. */
  bundlesChanged(): void;
  /** Downloads and verifies an offered agent package and asks root to install it (agent/src/upgrade/request.ts). */
  upgrades: { request(offer: BodyOf<'agent.upgrade'>): Promise<{ status: 'requested' } | { status: 'refused'; reason: string }> };
}

/** Handles one command type (one file per type, like aedes' lib/handlers). */
export type CommandHandlerFor<T extends CmdMessage['type']> = (message: CommandOf<T>, context: CommandContext) => Promise<void> | void;

/** The registry: exactly one handler per command type, checked by the compiler. */
export type CommandHandlers = { [T in CmdMessage['type']]: CommandHandlerFor<T> };
