import { RESULT_TYPES, type Logger } from '@prophasis/protocol';
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { readFileSync, unwatchFile, watch, watchFile, type FSWatcher } from 'node:fs';
import type { PluginRunInput, PluginRunner, PluginRunOutput } from '../plan/plugin-runner.js';

const Answer = Type.Object(
  {
    value: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
    /** Cycled through, one per run (per simulated agent and plugin). */
    values: Type.Optional(Type.Array(Type.Union([Type.Number(), Type.Null()]), { minItems: 1 })),
    message: Type.Optional(Type.String({ maxLength: 4096 })),
    resultType: Type.Optional(Type.Union(RESULT_TYPES.map((t) => Type.Literal(t)))),
  },
  { additionalProperties: false },
);

/** The scenario file (docs/simulator.md). */
const ScenarioSchema = Type.Object(
  {
    /** host name, agent id or `*` → plugin id or `*` → what the plugin "returns". */
    hosts: Type.Record(Type.String(), Type.Record(Type.String(), Answer)),
    /** Enrolment tokens for agents that have no credentials yet (one per agent, in order). */
    tokens: Type.Optional(Type.Array(Type.String({ minLength: 16, maxLength: 256 }))),
  },
  { additionalProperties: false },
);
export type Scenario = Static<typeof ScenarioSchema>;
type ScenarioAnswer = Static<typeof Answer>;
const check = TypeCompiler.Compile(ScenarioSchema);

/** Parses and validates a scenario; throws with the first problems. */
function parseScenario(text: string): Scenario {
  const value: unknown = JSON.parse(text);
  if (!check.Check(value)) {
    throw new Error(`invalid scenario: ${[...check.Errors(value)].slice(0, 3).map((e) => `${e.path || '/'}: ${e.message}`).join('; ')}`);
  }
  return value;
}

/** The answer for one host and plugin: agent id, then host name, then `*`; within it plugin id, then `*`. */
function pickAnswer(scenario: Scenario, host: { agentId: string; hostName?: string | undefined }, pluginId: string): ScenarioAnswer | undefined {
  for (const key of [host.agentId, host.hostName, '*']) {
    if (key === undefined) continue;
    const plugins = scenario.hosts[key];
    const answer = plugins?.[pluginId] ?? plugins?.['*'];
    if (answer) return answer;
  }
  return undefined;
}

export interface ScenarioSource {
  current(): Scenario;
  /** Increases with every successful reload. */
  readonly revision: number;
  onReload(listener: (revision: number) => void): void;
  stop(): void;
}

/**
 * A scenario held in memory, or read from a file and re-read when it changes: `fs.watch` for
 * prompt changes, `fs.watchFile` polling (1 s) where watching is unreliable (network file
 * systems, editors that replace the file). An invalid edit is logged and the previous
 * scenario stays in force.
 */
export function createScenarioSource(source: string | Scenario, deps: { logger: Logger; pollMs?: number }): ScenarioSource {
  const logger = deps.logger.child({ component: 'scenario' });
  const listeners: ((revision: number) => void)[] = [];
  if (typeof source !== 'string') {
    return { current: () => source, revision: 0, onReload: (l) => void listeners.push(l), stop: () => undefined };
  }
  const path = source;
  let text = readFileSync(path, 'utf8');
  let scenario = parseScenario(text);
  let revision = 0;
  const reload = () => {
    let next: string;
    try {
      next = readFileSync(path, 'utf8');
    } catch {
      return; // mid-replace; the next event or poll reads it
    }
    if (next === text) return;
    try {
      scenario = parseScenario(next);
    } catch (err) {
      logger.warn({ path, reason: (err as Error).message }, 'scenario edit ignored; the previous one stays in force');
      text = next;
      return;
    }
    text = next;
    revision += 1;
    logger.info({ path, revision }, 'scenario reloaded');
    for (const l of listeners) l(revision);
  };
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(path, () => reload());
    watcher.on('error', () => undefined);
  } catch {
    watcher = undefined;
  }
  watchFile(path, { interval: deps.pollMs ?? 1_000 }, () => reload());
  return {
    current: () => scenario,
    get revision() {
      return revision;
    },
    onReload: (l) => void listeners.push(l),
    stop() {
      watcher?.close();
      unwatchFile(path);
    },
  };
}

/** A {@link PluginRunner} that answers from the scenario instead of running code. */
export function scenarioRunner(source: Pick<ScenarioSource, 'current'>, host: { agentId: string; hostName?: string | undefined }): PluginRunner {
  const turns = new Map<string, number>();
  return {
    async run(input: PluginRunInput): Promise<PluginRunOutput> {
      const pluginId = input.manifest.id;
      const answer = pickAnswer(source.current(), host, pluginId);
      if (!answer) return { resultType: 'command_unsuccessful', value: null, message: `the scenario has no answer for ${pluginId}`, durationMs: 0 };
      let value = answer.value ?? null;
      if (answer.values) {
        const turn = turns.get(pluginId) ?? 0;
        turns.set(pluginId, turn + 1);
        value = answer.values[turn % answer.values.length] ?? null;
      }
      return { resultType: answer.resultType ?? 'plugin', value, message: answer.message ?? null, durationMs: 0 };
    },
  };
}
