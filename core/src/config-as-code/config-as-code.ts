import type { ConfigApplyResult } from '@prophasis/protocol';
import type { EventPublisher } from '../kernel/index.js';
import { applyDocument } from './apply.js';
import { formatConfig, parseConfig } from './document.js';
import { ConfigErrors } from './errors.js';
import { maskSecrets, secretName } from './secrets.js';
import { readState } from './state.js';
import type { ConfigParts, FullDocument, SecretEnv } from './types.js';

/** Configuration as code (docs/configuration-as-code.md): the whole configuration as one YAML file, and back. */
export interface ConfigAsCode {
  /** The configuration as YAML, secrets as `${secret:NAME}` references. */
  exportYaml(): Promise<string>;
  /** Applies a file in one transaction (or, with `dryRun`, computes what it would change and rolls back). */
  apply(yaml: string, options: { dryRun: boolean; prune: boolean; actor: string }): Promise<ConfigApplyResult>;
}

interface ConfigAsCodeDeps {
  /** Told after a committed apply, so alerting, plans and service health follow; absent in the CLI (no core runs in it). */
  events?: EventPublisher;
  /** Where `${secret:NAME}` resolves: `PROPHASIS_SECRET_NAME` (default: this process's environment). */
  env?: SecretEnv;
  now?: () => number;
}

/** Thrown inside the transaction of a dry run to roll it back with the computed result. */
class DryRun extends Error {
  constructor(readonly result: ConfigApplyResult) {
    super('dry run');
  }
}

/** The document as export writes it: every secret of an alert module or of the mail settings replaced by a reference. */
function masked(doc: FullDocument): FullDocument {
  const settings = { ...doc.settings };
  if (typeof settings.smtpPassword === 'string') settings.smtpPassword = `\${secret:${secretName('SMTP_PASSWORD')}}`;
  return {
    ...doc,
    settings,
    alerts: doc.alerts.map((a) => ({
      ...a,
      settings: maskSecrets(a.settings, ['ALERT', a.name]) as Record<string, unknown>,
      escalations: a.escalations.map((s, i) => ({ ...s, settings: maskSecrets(s.settings, ['ALERT', a.name, 'ESCALATION', String(i + 1)]) as Record<string, unknown> })),
    })),
  };
}

export function createConfigAsCode(parts: ConfigParts, deps: ConfigAsCodeDeps = {}): ConfigAsCode {
  const { db } = parts;
  const now = deps.now ?? Date.now;
  return {
    async exportYaml() {
      // One transaction: every kind read from the same state of the database.
      const state = await db.sequelize.transaction((tx) => readState(parts, tx));
      for (const [kind, names] of Object.entries(state.duplicates)) {
        if (names.length > 0) throw ConfigErrors.NOT_EXPORTABLE(`several ${kind} are named ${names.map((n) => JSON.stringify(n)).join(', ')}; the file names them by name, so rename them first`, { kind, names });
      }
      return formatConfig(masked(state.doc));
    },

    async apply(yaml, options) {
      const file = parseConfig(yaml);
      let result: ConfigApplyResult;
      let touched = new Set<string>();
      try {
        result = await db.sequelize.transaction(async (tx) => {
          const state = await readState(parts, tx);
          const applied = await applyDocument(parts, file, state, { prune: options.prune, env: deps.env ?? process.env, actor: options.actor, now: now() }, tx);
          const out: ConfigApplyResult = { dryRun: options.dryRun, prune: options.prune, changed: applied.changes.length > 0, changes: applied.changes, notes: applied.notes };
          if (options.dryRun) throw new DryRun(out);
          touched = applied.touched;
          return out;
        });
      } catch (err) {
        if (err instanceof DryRun) return err.result;
        throw err;
      }
      for (const resource of touched) deps.events?.publish({ type: 'config.changed', ts: now(), resource });
      return result;
    },
  };
}
