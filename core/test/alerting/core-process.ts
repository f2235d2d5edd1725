/*
 * A real core (`startCore`, as `prophasis start` runs it) in a child process, for the crash tests
 * (crash.test.ts). Configured by the environment (PROPHASIS_DATA_DIR, DATABASE_URL, …) and driven
 * over IPC:
 *
 * - `{ type: 'commit', transitions, kill }`: commits the transitions as the pipeline's state
 *   tracker does (`persistStates`: one transaction), publishes `state.changed` for each as the
 *   pipeline's finish stage does, and answers `committed` — or, with `kill`, sends itself SIGKILL
 *   right after the commit, before anything else of the core can run.
 * - `{ type: 'stop' }`: stops the core and exits with 0.
 *
 * Sends `{ type: 'ready' }` once the core has started.
 */
import { silentLogger } from '@prophasis/protocol';
import { readCoreConfig } from '../../src/kernel/config.js';
import { startCore } from '../../src/main.js';
import { sequelizePipelineStore, type TransitionRow } from '../../src/pipeline/store.js';

type Command = { type: 'commit'; transitions: TransitionRow[]; kill: boolean } | { type: 'stop' };

const send = (message: object) => process.send?.(message);
const config = readCoreConfig(process.env, { httpPort: 0, httpHost: '127.0.0.1', mqttPort: 0, mqttHost: '127.0.0.1', localMarketplace: false, logLevel: 'silent' });
const core = await startCore(config, silentLogger());
const store = sequelizePipelineStore(core.db);

process.on('message', (command: Command) => {
  void (async () => {
    if (command.type === 'stop') {
      await core.stop();
      process.exit(0);
    }
    await store.persistStates([], command.transitions);
    // Synchronously after the commit: no await, no tick in between, so nothing else of the core runs.
    if (command.kill) process.kill(process.pid, 'SIGKILL');
    const ts = Date.now();
    for (const t of command.transitions) {
      core.events.publish({ type: 'state.changed', ts, transition: { hostId: t.hostId, serviceId: null, pluginId: t.pluginRowId, from: t.from, to: t.to, at: t.at, late: t.late } });
    }
    send({ type: 'committed' });
  })().catch((err: unknown) => {
    process.stderr.write(`core-process: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(2);
  });
});
send({ type: 'ready' });
