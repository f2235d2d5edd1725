import type { Logger } from '@prophasis/protocol';
import { recipientsOf } from './recipients.js';
import type { Problem } from './suppression.js';
import type { TemplateStore } from './template-store.js';
import { DEFAULT_TEMPLATES, noticeView, renderTemplates, type ActionUrls, type RenderedMessage, type TemplateSet } from './templates.js';
import type { AlertNotice } from './types.js';

/** Mints the signed links of one notification (core/src/alerting/action-links.ts). */
export interface ActionLinkMaker {
  actionLinks(problem: Problem, recipient: string, base?: string): Promise<ActionUrls>;
}

/** What a problem notification says instead of links when the console's address is unknown. */
const NO_LINK_BASE =
  "no Acknowledge or Mute links: the console's address is not set (Settings → Notifications → Console address in notifications, or PROPHASIS_PUBLIC_URL)";

/** The problem a notice is about: a host's own state, a plugin on a host, or a service. */
function problemOf(n: AlertNotice): Problem {
  return n.target.kind === 'service' ? { hostId: null, pluginId: null, serviceId: n.target.id } : { hostId: n.target.id, pluginId: n.plugin?.id ?? null, serviceId: null };
}

/** Links only where they can act: a real notice of a problem (not a Test, not a change to ok). */
const actionable = (n: AlertNotice) => !n.test && n.to !== 'ok' && n.target.id > 0 && (n.target.kind === 'service' || n.plugin === null || n.plugin.id > 0);

export interface NotificationTexts {
  /**
   * The texts one delivery sends: its module's templates (the defaults unless edited) over the
   * notice, with signed action links for the recipients. Links are minted once per `key` (the
   * delivery object: its retries carry the same links; after a restart new ones are minted).
   */
  compose(d: { module: string; settings: unknown; notice: AlertNotice }, key: object): Promise<RenderedMessage>;
  /** The texts `set` would give for `notice`, with example links: mints nothing, stores nothing. */
  preview(module: string, set: TemplateSet, notice: AlertNotice): Promise<RenderedMessage>;
}

/**
 * Notification texts (docs/alerts.md, "Templates", "Action links"). `linkBase` is the console's
 * address as recipients reach it (the `publicUrl` setting, else PROPHASIS_PUBLIC_URL); when it is
 * empty a problem notification says so instead of carrying links that cannot work.
 */
export function createNotificationTexts(deps: { templates: TemplateStore; links?: ActionLinkMaker; linkBase(): Promise<string>; logger: Logger }): NotificationTexts {
  const log = deps.logger.child({ component: 'alerting' });
  const minted = new WeakMap<object, ActionUrls>();

  async function actionsFor(d: { module: string; settings: unknown; notice: AlertNotice }, key: object): Promise<{ urls: ActionUrls | null; unavailable: string }> {
    if (!deps.links || !actionable(d.notice)) return { urls: null, unavailable: '' };
    const known = minted.get(key);
    if (known) return { urls: known, unavailable: '' };
    const base = (await deps.linkBase()).replace(/\/+$/, '');
    if (base === '') return { urls: null, unavailable: NO_LINK_BASE };
    const urls = await deps.links.actionLinks(problemOf(d.notice), recipientsOf(d.module, d.settings) || d.module, base);
    minted.set(key, urls);
    return { urls, unavailable: '' };
  }

  function render(module: string, set: TemplateSet, notice: AlertNotice, actions: { urls: ActionUrls | null; unavailable: string }): RenderedMessage {
    try {
      return renderTemplates(module, set, noticeView(notice, actions), actions.urls);
    } catch (err) {
      // Stored templates were checked when saved; should one still fail, the notice goes out in the default words.
      log.error({ err, module }, 'a notification template failed to render; the default text is sent');
      return renderTemplates(module, DEFAULT_TEMPLATES, noticeView(notice, actions), actions.urls);
    }
  }

  return {
    async compose(d, key) {
      const set = await deps.templates.get(d.module);
      return render(d.module, set, d.notice, await actionsFor(d, key));
    },

    async preview(module, set, notice) {
      let actions: { urls: ActionUrls | null; unavailable: string } = { urls: null, unavailable: '' };
      if (deps.links && actionable(notice)) {
        const base = (await deps.linkBase()).replace(/\/+$/, '');
        actions =
          base === ''
            ? { urls: null, unavailable: NO_LINK_BASE }
            : { urls: { acknowledge: `${base}/act/example-acknowledge-link`, mute1h: `${base}/act/example-mute-1h-link`, muteUntilOk: `${base}/act/example-mute-until-ok-link` }, unavailable: '' };
      }
      return renderTemplates(module, set, noticeView(notice, actions), actions.urls);
    },
  };
}
