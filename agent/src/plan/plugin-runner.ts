import type { Manifest, ResultType } from '@prophasis/protocol';

/** One plugin run, as the plan runner asks for it. */
export interface PluginRunInput {
  manifest: Manifest;
  /** The bundle's `main` file. */
  code: string;
  /** Capabilities both declared by the manifest and approved by the administrator. */
  approvedCapabilities: string[];
  params: Record<string, unknown>;
  /** From the plan entry or `check.run`; the sandbox applies its own cap too. */
  timeoutMs?: number;
  /** The device the entry runs against (plan entry `target`, docs/devices.md); absent: this machine. */
  target?: { address: string; name?: string };
}

export interface PluginRunOutput {
  resultType: ResultType;
  value: number | null;
  message: string | null;
  durationMs: number;
}

/**
 * What the plan runner needs of the sandbox (declared here, by the consumer): the isolated-vm
 * runner in `src/sandbox/` (`createPluginRunner(config, deps)`) satisfies it, and so does the
 * simulator's scenario runner.
 */
export interface PluginRunner {
  run(input: PluginRunInput): Promise<PluginRunOutput>;
}

/** Stands in when the composition got no runner: every run is `command_unsuccessful` with the reason. */
export const unavailablePluginRunner: PluginRunner = {
  run: async () => ({ resultType: 'command_unsuccessful', value: null, message: 'no plugin sandbox in this agent build', durationMs: 0 }),
};
