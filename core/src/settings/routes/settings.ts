import { ApiErrorBody, Settings, SettingsInput, type Settings as SettingsApi } from '@prophasis/protocol';
import type { FastifyInstance } from 'fastify';
import type { Database } from '../../db/index.js';
import { readSettings as readCoreSettings, writeSettings } from '../../db/settings.js';

const SMTP_DEFAULTS = { host: '', port: 587, secure: false, user: '', from: '' };

/** Reads the settings rows into the API shape; unknown rows are ignored, missing ones default. */
async function readSettings(db: Database): Promise<SettingsApi> {
  const rows = await db.models.Setting.findAll({ where: { key: ['smtp', 'smtpPassword'] } });
  const v = new Map(rows.map((r) => [r.key, r.value]));
  return {
    ...(await readCoreSettings(db)),
    smtp: { ...SMTP_DEFAULTS, ...((v.get('smtp') as object | undefined) ?? {}) },
    smtpPasswordSet: typeof v.get('smtpPassword') === 'string' && v.get('smtpPassword') !== '',
  };
}

/**
 * System-wide settings: one object, `GET` for everyone, `PUT` (partial: only the given keys
 * change) for administrators. The SMTP password is stored as given, because the mail module has
 * to present it to the server; it is never returned and never written to the audit trail.
 */
export async function settingsRoutes(api: FastifyInstance, db: Database): Promise<void> {
  const errors = { 400: ApiErrorBody, 401: ApiErrorBody, 403: ApiErrorBody };
  api.get('/settings', { config: { access: 'viewer' }, schema: { tags: ['settings'], operationId: 'getSettings', summary: 'Get the system settings', response: { 200: Settings, ...errors } } }, async () => readSettings(db));

  api.put<{ Body: SettingsInput }>(
    '/settings',
    { config: { access: 'admin' }, schema: { tags: ['settings'], operationId: 'updateSettings', summary: 'Change system settings', body: SettingsInput, response: { 200: Settings, ...errors } } },
    async (request) => {
      const body = request.body;
      const current = await readSettings(db);
      const { smtp, smtpPassword, ...core } = body;
      const mail: Record<string, unknown> = {};
      if (smtp) mail.smtp = { ...current.smtp, ...smtp };
      if (smtpPassword !== undefined) mail.smtpPassword = smtpPassword;
      await db.sequelize.transaction(async (transaction) => {
        await writeSettings(db, core, { transaction });
        // Mail settings are the API's own keys beside the core ones (readCoreSettings ignores them).
        for (const [key, value] of Object.entries(mail)) await db.models.Setting.upsert({ key, value, updatedAt: Date.now() }, { transaction });
      });
      request.auditNote = { action: 'settings.update', targetKind: 'settings', targetId: null, summary: { ...core, smtp, smtpPasswordChanged: smtpPassword !== undefined } };
      return readSettings(db);
    },
  );
}
