import {
  AlertDelivery,
  AlertDeliveryQuery,
  AlertModuleInfo,
  AlertTestRequest,
  AlertTestResult,
  ApiErrorBody,
  IdParams,
  Page,
  type AlertDelivery as AlertDeliveryApi,
  isProphasisError,
  type AlertModuleInfo as AlertModuleInfoApi,
  type AlertTestResult as AlertTestResultApi,
} from '@prophasis/protocol';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { AlertErrors } from '../errors.js';
import { listDeliveries } from '../history.js';
import type { Alerting, AlertTestResult as ModuleTestResult } from '../alerting.js';
import type { Database } from '../../db/index.js';
import { ApiErrors } from '../../kernel/index.js';

/** Alerting as the API uses it: module list, settings validation, Test, cache invalidation. */
export type AlertingApi = Pick<Alerting, 'modules' | 'validate' | 'test' | 'invalidate'>;

const errors = { 400: ApiErrorBody, 401: ApiErrorBody, 403: ApiErrorBody, 404: ApiErrorBody, 503: ApiErrorBody };

function required(alerting: AlertingApi | undefined): AlertingApi {
  if (!alerting) throw ApiErrors.UNAVAILABLE('alert modules are not available: this core runs without alerting');
  return alerting;
}

/**
 * Validates an alert's module and settings with the module's own schema before it is stored,
 * so an alert that could never be delivered is refused when it is saved, not when it fires.
 * Refusals name the field: `module`, or `settings.<path>` (`CORE_ALERT_*`, 400).
 */
export function validateAlertSettings(alerting: AlertingApi, module: string, settings: unknown): void {
  try {
    alerting.validate(module, settings);
  } catch (err) {
    if (isProphasisError(err, AlertErrors.UNKNOWN_MODULE)) {
      const known = alerting.modules().map((m) => m.id);
      throw AlertErrors.UNKNOWN_MODULE(`module: ${module} (known: ${known.join(', ')})`, { field: 'module', known });
    }
    throw err;
  }
}

const toApi = (result: ModuleTestResult): AlertTestResultApi => (result.ok ? { ok: true } : { ok: false, error: result.reason });

/** Alert modules, the Test action and the notification history (docs/api.md, "Alerts"). */
export async function alertActionRoutes(api: FastifyInstance, db: Database, alerting: AlertingApi | undefined): Promise<void> {
  api.get<{ Querystring: AlertDeliveryQuery }>(
    '/alert-deliveries',
    { config: { access: 'viewer' }, schema: { tags: ['alerts'], operationId: 'listAlertDeliveries', summary: 'List the notifications sent and their delivery states', querystring: AlertDeliveryQuery, response: { 200: Page(AlertDelivery), ...errors } } },
    async (request): Promise<{ items: AlertDeliveryApi[]; total: number; limit: number; offset: number }> => listDeliveries(db, request.query),
  );

  api.get(
    '/alert-modules',
    { config: { access: 'viewer' }, schema: { tags: ['alerts'], operationId: 'listAlertModules', summary: 'List the alert modules and the settings each takes', response: { 200: Type.Array(AlertModuleInfo), ...errors } } },
    async (): Promise<AlertModuleInfoApi[]> => required(alerting).modules(),
  );

  api.post<{ Body: AlertTestRequest }>(
    '/alerts/test',
    { config: { access: 'admin', configChange: false }, schema: { tags: ['alerts'], operationId: 'testAlertSettings', summary: 'Send a test notification with settings not yet saved', body: AlertTestRequest, response: { 200: AlertTestResult, ...errors } } },
    async (request): Promise<AlertTestResultApi> => {
      const a = required(alerting);
      const { module, settings, name } = request.body;
      validateAlertSettings(a, module, settings);
      const result = toApi(await a.test({ module, settings, name }));
      // Not the settings: they may hold a token or a webhook secret.
      request.auditNote = { action: 'alerts.test', targetKind: 'alert', targetId: null, summary: { module, ok: result.ok, ...(name === undefined ? {} : { name }) } };
      return result;
    },
  );

  api.post<{ Params: IdParams }>(
    '/alerts/:id/test',
    { config: { access: 'admin', configChange: false }, schema: { tags: ['alerts'], operationId: 'testAlert', summary: 'Send a test notification through a saved alert', params: IdParams, response: { 200: AlertTestResult, ...errors } } },
    async (request): Promise<AlertTestResultApi> => {
      const a = required(alerting);
      const { id } = request.params;
      const alert = await db.models.Alert.findByPk(id, { attributes: ['id', 'name', 'module'] });
      if (!alert) throw ApiErrors.NOT_FOUND(`alert ${id}`);
      const result = toApi(await a.test(id));
      request.auditNote = { action: 'alerts.test', targetKind: 'alert', targetId: id, summary: { name: alert.name, module: alert.module, ok: result.ok } };
      return result;
    },
  );
}
