import { alertsResource } from './alerting/routes/alerts.js';
import type { AlertingApi } from './alerting/routes/alert-actions.js';
import { AlertErrors, builtInAlertModules, databaseSmtpSource } from './alerting/index.js';
import { silentLogger } from '@prophasis/protocol';
import { checkTemplates, templateFields } from './alerting/templates.js';
import { CLASSIFICATION_DEFAULTS, createClassificationEngine, type ClassificationEngine } from './classification/index.js';
import type { ConfigParts } from './config-as-code/index.js';
import type { Database } from './db/index.js';
import { compileHostnamePattern } from './enrolment/fleet.js';
import { ApiErrors, type SecretBox } from './kernel/index.js';
import { checksResource } from './inventory/routes/checks.js';
import { groupsResource } from './inventory/routes/groups.js';
import { hostsResource } from './inventory/routes/hosts.js';
import { schedulesResource } from './inventory/routes/schedules.js';
import { servicesResource } from './services/routes/services.js';

/**
 * Alert-module validation without a running alerting subsystem (the CLI): the built-in modules'
 * own schemas, as the running core's alerting checks them.
 */
function offlineAlerting(db: Database): AlertingApi {
  const registry = builtInAlertModules({ smtp: databaseSmtpSource(db) });
  return {
    modules: () => [...registry.values()].map((m) => ({ id: m.id, label: m.label, settingsSchema: m.settingsSchema })),
    validate(module, settings) {
      const found = registry.get(module);
      if (!found) throw AlertErrors.UNKNOWN_MODULE(`${module} (known: ${[...registry.keys()].join(', ')})`);
      return found.validate(settings);
    },
    test: async () => ({ ok: false, reason: 'no test from the command line' }),
    invalidate: () => {},
  };
}

/**
 * Wires configuration as code to the features' own resources on one database (composition root):
 * the same validation and writes as the REST API's routes. `alerting` is the running core's;
 * without it (the CLI) alert settings are checked by the built-in modules directly.
 */
export function configAsCodeParts(db: Database, alerting: AlertingApi = offlineAlerting(db), classification?: ClassificationEngine, secrets?: SecretBox): ConfigParts {
  // Without the running core's Lua engine (the CLI): one worker of its own, started on the first override and stopped by close().
  let own: Promise<ClassificationEngine> | undefined;
  const engine = () =>
    classification
      ? Promise.resolve(classification)
      : (own ??= (async () => {
          const started = createClassificationEngine({ ...CLASSIFICATION_DEFAULTS, workers: 1 }, { logger: silentLogger() });
          await started.start();
          return started;
        })());
  return {
    db,
    hosts: hostsResource(db),
    groups: groupsResource(db),
    checks: checksResource(db, secrets),
    schedules: schedulesResource(db),
    services: servicesResource(db),
    alerts: alertsResource(db, alerting),
    templates: {
      modules: () => alerting.modules().map((m) => m.id),
      // As the template store checks a PUT: fields the module does not send stay empty, the others must render.
      check(module, set) {
        if (!templateFields(module).includes('html') && set.html !== '') throw AlertErrors.INVALID_TEMPLATE(`html: the ${module} module sends no HTML body; leave it empty`, { field: 'html' });
        checkTemplates(module, set);
      },
    },
    checkHostnamePattern: (pattern) => void compileHostnamePattern(pattern),
    // As the classifier routes check an override before saving it.
    async checkClassifier(code) {
      const [outcome] = await (await engine()).classify([{ classifierKey: 'config-compile-check', code, values: [], messages: [], resultTypes: [] }]);
      if (outcome?.error?.kind === 'compile') throw ApiErrors.BAD_REQUEST(`code: the classifier does not compile: ${outcome.error.message}`, { field: 'code', kind: 'compile', reason: outcome.error.message });
    },
    async close() {
      if (own) await (await own).stop();
    },
  };
}
