import { QueryTypes } from 'sequelize';
import type { Database } from '../db/index.js';
import { AlertErrors } from './errors.js';
import { checkTemplates, DEFAULT_TEMPLATES, templateFields, type TemplateSet } from './templates.js';

/** A module's templates as sent: the edited ones, or the defaults (`custom: false`). */
export interface ModuleTemplates extends TemplateSet {
  module: string;
  custom: boolean;
  updatedAt: number | null;
  updatedBy: string | null;
}

/** Where alerting and the API read and write the templates (`alert_templates`, migration 0008). */
export interface TemplateStore {
  get(module: string): Promise<ModuleTemplates>;
  /** Checks every field the module sends (400 naming the field), then stores them. */
  put(module: string, set: Partial<TemplateSet>, by: string | null, at: number): Promise<ModuleTemplates>;
  /** Back to the defaults; false when the module had none of its own. */
  reset(module: string): Promise<boolean>;
}

/**
 * The templates in `alert_templates`: one row per edited module. The fields a module does not send
 * (the HTML body of a webhook) must stay empty; absent fields of a PUT keep their default.
 */
export function databaseTemplateStore(db: Pick<Database, 'sequelize'>): TemplateStore {
  const defaults = (module: string): ModuleTemplates => ({ module, ...DEFAULT_TEMPLATES, custom: false, updatedAt: null, updatedBy: null });
  return {
    async get(module) {
      const [row] = await db.sequelize.query<{ subject: string; text: string; html: string; updated_at: unknown; updated_by: string | null }>(
        'SELECT subject, text, html, updated_at, updated_by FROM alert_templates WHERE module = ?',
        { type: QueryTypes.SELECT, replacements: [module] },
      );
      if (!row) return defaults(module);
      return { module, subject: row.subject, text: row.text, html: row.html ?? '', custom: true, updatedAt: Number(row.updated_at), updatedBy: row.updated_by };
    },

    async put(module, input, by, at) {
      const set: TemplateSet = { ...DEFAULT_TEMPLATES, ...input };
      const fields = templateFields(module);
      if (!fields.includes('html') && set.html !== '') throw AlertErrors.INVALID_TEMPLATE(`html: the ${module} module sends no HTML body; leave it empty`, { field: 'html' });
      checkTemplates(module, set);
      await db.sequelize.query(
        `INSERT INTO alert_templates (module, subject, text, html, updated_at, updated_by) VALUES (:module, :subject, :text, :html, :at, :by)
         ON CONFLICT (module) DO UPDATE SET subject = excluded.subject, text = excluded.text, html = excluded.html, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
        { replacements: { module, ...set, at, by } },
      );
      return { module, ...set, custom: true, updatedAt: at, updatedBy: by };
    },

    async reset(module) {
      const had = await db.sequelize.query('SELECT module FROM alert_templates WHERE module = ?', { type: QueryTypes.SELECT, replacements: [module] });
      await db.sequelize.query('DELETE FROM alert_templates WHERE module = ?', { replacements: [module] });
      return had.length > 0;
    },
  };
}
