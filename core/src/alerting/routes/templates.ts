import {
  AlertTemplateInput,
  AlertTemplateList,
  AlertTemplatePreview,
  AlertTemplatePreviewRequest,
  AlertTemplates,
  ApiErrorBody,
  type AlertTemplatePreview as AlertTemplatePreviewApi,
  type AlertTemplates as AlertTemplatesBody,
} from '@prophasis/protocol';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { QueryTypes } from 'sequelize';
import type { Database } from '../../db/index.js';
import { ApiErrors, CoreErrors } from '../../kernel/index.js';
import type { Alerting } from '../alerting.js';
import { AlertErrors } from '../errors.js';
import type { ModuleTemplates } from '../template-store.js';
import { checkTemplates, DEFAULT_TEMPLATES, sampleNotice, templateFields, templateVariables, type TemplateSet } from '../templates.js';
import type { AlertNotice } from '../types.js';

/** What the template routes need from alerting: its modules, the template store and the renderer. */
export type AlertTemplatesApi = Pick<Alerting, 'modules' | 'templates'>;

const errors = { 400: ApiErrorBody, 401: ApiErrorBody, 403: ApiErrorBody, 404: ApiErrorBody };
const ModuleParams = Type.Object({ module: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z][a-z0-9-]*$' }) }, { additionalProperties: false });
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Notification templates (docs/api.md, "Alert templates"; docs/alerts.md, "Templates"): viewers
 * and operators read them and preview, administrators edit and reset them. A template that does
 * not render is refused when it is saved (`CORE_ALERT_INVALID_TEMPLATE`, 400, `details.field`),
 * never at send time.
 */
export async function alertTemplateRoutes(api: FastifyInstance, db: Database, alerting: AlertTemplatesApi): Promise<void> {
  const { store, texts } = alerting.templates;

  function moduleOf(id: string): { id: string; label: string } {
    const found = alerting.modules().find((m) => m.id === id);
    if (!found) throw ApiErrors.NOT_FOUND(`alert module ${id} (known: ${alerting.modules().map((m) => m.id).join(', ')})`);
    return found;
  }

  const present = (label: string, t: ModuleTemplates): AlertTemplatesBody => ({
    module: t.module,
    label,
    fields: [...templateFields(t.module)],
    subject: t.subject,
    text: t.text,
    html: t.html,
    defaults: { ...DEFAULT_TEMPLATES },
    custom: t.custom,
    updatedAt: t.updatedAt,
    updatedBy: t.updatedBy,
  });

  api.get(
    '/alert-templates',
    { config: { access: 'viewer' }, schema: { tags: ['alerts'], operationId: 'listAlertTemplates', summary: 'List the notification templates of every alert module', response: { 200: AlertTemplateList, ...errors } } },
    async () => ({
      items: await Promise.all(alerting.modules().map(async (m) => present(m.label, await store.get(m.id)))),
      variables: templateVariables(),
    }),
  );

  api.get<{ Params: { module: string } }>(
    '/alert-templates/:module',
    { config: { access: 'viewer' }, schema: { tags: ['alerts'], operationId: 'getAlertTemplates', summary: 'Get the notification templates of one alert module', params: ModuleParams, response: { 200: AlertTemplates, ...errors } } },
    async (request) => {
      const m = moduleOf(request.params.module);
      return present(m.label, await store.get(m.id));
    },
  );

  api.put<{ Params: { module: string }; Body: AlertTemplateInput }>(
    '/alert-templates/:module',
    { config: { access: 'admin' }, schema: { tags: ['alerts'], operationId: 'updateAlertTemplates', summary: 'Replace the notification templates of one alert module', params: ModuleParams, body: AlertTemplateInput, response: { 200: AlertTemplates, ...errors } } },
    async (request) => {
      const m = moduleOf(request.params.module);
      const saved = await store.put(m.id, request.body, request.user?.name ?? null, Date.now());
      request.auditNote = { action: 'alert-templates.update', targetKind: 'alert-template', targetId: m.id, summary: request.body };
      return present(m.label, saved);
    },
  );

  api.delete<{ Params: { module: string } }>(
    '/alert-templates/:module',
    { config: { access: 'admin' }, schema: { tags: ['alerts'], operationId: 'resetAlertTemplates', summary: 'Reset one alert module\'s templates to the defaults', params: ModuleParams, response: { 204: Type.Null(), ...errors } } },
    async (request, reply) => {
      const m = moduleOf(request.params.module);
      await store.reset(m.id);
      request.auditNote = { action: 'alert-templates.reset', targetKind: 'alert-template', targetId: m.id };
      return reply.status(204).send();
    },
  );

  /** The notice a preview renders: the sample, the module's newest notification, or one by its id. */
  async function previewNotice(module: string, source: string): Promise<{ notice: AlertNotice; source: AlertTemplatePreviewApi['source'] }> {
    const sample = { notice: sampleNotice(Date.now()), source: { kind: 'sample' as const, deliveryId: null, description: 'a sample: disk on web1 went ok → major' } };
    if (source === 'sample') return sample;
    if (source !== 'latest' && !UUID.test(source)) throw CoreErrors.VALIDATION(`source: must be sample, latest or a notification's id`, { field: 'source' });
    const [row] = await db.sequelize.query<{ id: string; notice: string }>(
      source === 'latest'
        ? 'SELECT id, notice FROM alert_deliveries WHERE module = :module ORDER BY created_at DESC, id LIMIT 1'
        : 'SELECT id, notice FROM alert_deliveries WHERE id = :id',
      { type: QueryTypes.SELECT, replacements: { module, id: source } },
    );
    if (!row) {
      if (source === 'latest') return { ...sample, source: { ...sample.source, description: `a sample (no ${module} notification was sent yet)` } };
      throw CoreErrors.VALIDATION(`source: no notification ${source}`, { field: 'source' });
    }
    let notice: AlertNotice;
    try {
      notice = JSON.parse(row.notice) as AlertNotice;
    } catch {
      throw CoreErrors.VALIDATION(`source: the stored notification ${row.id} cannot be read`, { field: 'source' });
    }
    return { notice, source: { kind: 'delivery', deliveryId: row.id, description: `the notification ${row.id}: ${notice.alert?.name ?? ''}, ${notice.target?.name ?? ''} ${notice.from} → ${notice.to}` } };
  }

  api.post<{ Params: { module: string }; Body: AlertTemplatePreviewRequest }>(
    '/alert-templates/:module/preview',
    {
      // Asked while one types and changes nothing: not in the audit trail.
      config: { access: 'viewer', configChange: false, audit: false },
      schema: { tags: ['alerts'], operationId: 'previewAlertTemplates', summary: 'Render templates with a sample or a past notification', params: ModuleParams, body: AlertTemplatePreviewRequest, response: { 200: AlertTemplatePreview, ...errors } },
    },
    async (request): Promise<AlertTemplatePreviewApi> => {
      const m = moduleOf(request.params.module);
      const set: TemplateSet = { subject: request.body.subject, text: request.body.text, html: request.body.html ?? '' };
      if (!templateFields(m.id).includes('html') && set.html !== '') throw AlertErrors.INVALID_TEMPLATE(`html: the ${m.id} module sends no HTML body; leave it empty`, { field: 'html' });
      // The same check as saving: the console shows the error at the field while one types.
      checkTemplates(m.id, set);
      const { notice, source } = await previewNotice(m.id, request.body.source ?? 'sample');
      const out = await texts.preview(m.id, set, notice);
      return { subject: out.subject, text: out.text, html: out.html, source };
    },
  );
}
