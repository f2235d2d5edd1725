import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isProphasisError } from '@prophasis/protocol';
import { QueryTypes } from 'sequelize';
import type { Database } from '../db/index.js';
import { acknowledge, muteProblem } from './problems.js';
import { parseProblemKey, problemKey, type Problem } from './suppression.js';

/** What a link may do: one action each (docs/alerts.md, "Action links"). */
type LinkAction = 'acknowledge' | 'mute-1h' | 'mute-until-ok';
const ACTIONS: readonly LinkAction[] = ['acknowledge', 'mute-1h', 'mute-until-ok'];
const MUTE_MS = 3_600_000;

/** The file in the core's data directory that holds the links' HMAC key (mode 0600; never logged, never in the database). */
const KEY_FILE = 'action-links.key';

/** Reads the HMAC key of action links, creating a random 256-bit one (file mode 0600) on first use. */
export function loadOrCreateActionKey(dataDir: string): Buffer {
  const path = join(dataDir, KEY_FILE);
  if (existsSync(path)) return Buffer.from(readFileSync(path, 'utf8').trim(), 'base64url');
  mkdirSync(dirname(path), { recursive: true });
  const key = randomBytes(32);
  writeFileSync(path, key.toString('base64url'), { mode: 0o600, flag: 'wx' });
  return key;
}

/** Why a link did nothing; each has its own page. */
export type LinkRefusal = 'tampered' | 'other-problem' | 'expired' | 'revoked' | 'used' | 'nothing-to-do';

/** A link that checked out: what it does, to which problem, sent to whom. */
interface ValidLink {
  id: string;
  problem: Problem;
  action: LinkAction;
  recipient: string;
  expiresAt: number;
  /** The problem in words (host, plugin, service names). */
  label: string;
}

export type LinkCheck = { ok: true; link: ValidLink } | { ok: false; refusal: LinkRefusal; detail: string };

export interface ActionLinks {
  /**
   * Signed links for one notification of one problem to one recipient (the notification templates
   * render them), under `base` (the console's address; default: `baseUrl()`).
   */
  actionLinks(problem: Problem, recipient: string, base?: string): Promise<Record<'acknowledge' | 'mute1h' | 'muteUntilOk', string>>;
  /** Checks a token without acting (the confirmation page a GET shows). */
  check(token: string): Promise<LinkCheck>;
  /** Acts once (a POST): acknowledges or mutes, records it in the audit trail with the recipient. */
  use(token: string, comment?: string): Promise<LinkCheck>;
  /** Revokes a link; false when there is no such link, or it was revoked already. */
  revoke(id: string): Promise<boolean>;
  /** The links made for one problem, newest first (for revoking). */
  list(problem: string): Promise<LinkRow[]>;
}

/** An action link as the API lists it (never its token). */
interface LinkRow {
  id: string;
  problem: string;
  action: LinkAction;
  recipient: string;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
  revokedAt: number | null;
}

export interface ActionLinkDeps {
  db: Database;
  key: Buffer;
  /** The console's address as recipients reach it (`https://monitor.example.com`). */
  baseUrl(): string;
  /** The audit trail (who was sent the link is the "user" of an action taken through it). */
  audit: { record(entry: { user: undefined; action: string; targetKind: string; targetId: string | null; summary: unknown }): Promise<void> };
  now?: () => number;
}

/**
 * Capability links in notifications (docs/alerts.md, "Action links"): `/act/<token>` where the
 * token is `<link id>.<problem>.<expiry>.<HMAC-SHA256 of id, problem, action and expiry>`. The
 * row in `action_links` says what the link does, to whom it was sent, and whether it was used or
 * revoked; the key lives only in the data directory, so a copy of the database cannot forge
 * links. A GET shows what the link would do and changes nothing (mail scanners fetch links);
 * only the POST of that page acts, once.
 */
export function createActionLinks(config: { ttlMs: number }, deps: ActionLinkDeps): ActionLinks {
  const { db } = deps;
  const now = deps.now ?? Date.now;
  const sign = (id: string, key: string, action: string, expires: number) => createHmac('sha256', deps.key).update(`${id}|${key}|${action}|${expires}`).digest('base64url');
  const token = (id: string, key: string, action: string, expires: number) => `${id}.${key}.${expires}.${sign(id, key, action, expires)}`;

  async function label(p: Problem): Promise<string> {
    const one = async (sql: string, id: number | null) =>
      id === null ? undefined : (await db.sequelize.query<{ name: string }>(sql, { type: QueryTypes.SELECT, replacements: [id] }))[0]?.name;
    if (p.serviceId !== null) return `service ${(await one('SELECT name FROM services WHERE id = ?', p.serviceId)) ?? p.serviceId}`;
    const host = (await one('SELECT name FROM hosts WHERE id = ?', p.hostId)) ?? `host ${p.hostId}`;
    return p.pluginId === null ? host : `${(await one('SELECT COALESCE(NULLIF(name, \'\'), plugin_id) AS name FROM plugins WHERE id = ?', p.pluginId)) ?? p.pluginId} on ${host}`;
  }

  async function check(raw: string): Promise<LinkCheck> {
    const m = /^([0-9a-f-]{36})\.([hsp0-9:]{1,64})\.(\d{1,16})\.([A-Za-z0-9_-]{43})$/.exec(raw);
    if (!m) return { ok: false, refusal: 'tampered', detail: 'This link is not a valid action link (it may have been cut short or changed).' };
    const [, id, key, expiresText, signature] = m as unknown as [string, string, string, string, string];
    const [row] = await db.sequelize.query<{ problem_key: string; action: string; recipient: string; expires_at: unknown; used_at: unknown; revoked_at: unknown }>(
      'SELECT problem_key, action, recipient, expires_at, used_at, revoked_at FROM action_links WHERE id = ?',
      { type: QueryTypes.SELECT, replacements: [id] },
    );
    const expires = Number(expiresText);
    if (!row) {
      // Housekeeping deletes a link once it expired; its signature still says it was one of ours.
      const given = Buffer.from(signature);
      const ours = ACTIONS.some((action) => {
        const expected = Buffer.from(sign(id, key, action, expires));
        return expected.length === given.length && timingSafeEqual(expected, given);
      });
      if (ours && now() >= expires) return { ok: false, refusal: 'expired', detail: `This link expired on ${new Date(expires).toISOString()}.` };
      return { ok: false, refusal: 'tampered', detail: 'This link is not known to this Prophasis.' };
    }
    const expected = Buffer.from(sign(id, row.problem_key, row.action, Number(row.expires_at)));
    const given = Buffer.from(signature);
    if (row.problem_key !== key) return { ok: false, refusal: 'other-problem', detail: 'This link was made for another problem; it cannot act on this one.' };
    if (expires !== Number(row.expires_at) || expected.length !== given.length || !timingSafeEqual(expected, given)) {
      return { ok: false, refusal: 'tampered', detail: 'This link has been changed: its signature does not match.' };
    }
    if (row.revoked_at != null) return { ok: false, refusal: 'revoked', detail: 'This link was revoked.' };
    if (row.used_at != null) return { ok: false, refusal: 'used', detail: 'This link has already been used.' };
    if (now() >= expires) return { ok: false, refusal: 'expired', detail: `This link expired on ${new Date(expires).toISOString()}.` };
    const problem = parseProblemKey(row.problem_key);
    if (!problem || !ACTIONS.includes(row.action as LinkAction)) return { ok: false, refusal: 'tampered', detail: 'This link is not a valid action link.' };
    return { ok: true, link: { id, problem, action: row.action as LinkAction, recipient: row.recipient, expiresAt: expires, label: await label(problem) } };
  }

  return {
    async actionLinks(problem, recipient, root) {
      const key = problemKey(problem);
      const created = now();
      const expires = created + config.ttlMs;
      const base = (root ?? deps.baseUrl()).replace(/\/+$/, '');
      const out: Record<string, string> = {};
      for (const [name, action] of [['acknowledge', 'acknowledge'], ['mute1h', 'mute-1h'], ['muteUntilOk', 'mute-until-ok']] as const) {
        const id = randomUUID();
        await db.sequelize.query('INSERT INTO action_links (id, problem_key, action, recipient, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)', {
          replacements: [id, key, action, recipient.slice(0, 255), created, expires],
        });
        out[name] = `${base}/act/${token(id, key, action, expires)}`;
      }
      return out as Record<'acknowledge' | 'mute1h' | 'muteUntilOk', string>;
    },

    check,

    async use(raw, comment) {
      const checked = await check(raw);
      if (!checked.ok) return checked;
      const { link } = checked;
      // Claimed first, so two taps (or two devices) act once.
      const [, claimed] = await db.sequelize.query('UPDATE action_links SET used_at = ? WHERE id = ? AND used_at IS NULL AND revoked_at IS NULL', { type: QueryTypes.UPDATE, replacements: [now(), link.id] });
      if (claimed === 0) return { ok: false, refusal: 'used', detail: 'This link has already been used.' };
      const by = `link sent to ${link.recipient}`;
      try {
        if (link.action === 'acknowledge') {
          await acknowledge(db, { problem: link.problem, comment: comment?.trim() || `Acknowledged from a notification (${link.recipient})`, sticky: false, by }, now());
        } else {
          await muteProblem(db, link.problem, link.action === 'mute-1h' ? now() + MUTE_MS : null, by, now());
        }
      } catch (err) {
        // Nothing was done (the problem is ok again): the link stays usable.
        await db.sequelize.query('UPDATE action_links SET used_at = NULL WHERE id = ?', { replacements: [link.id] });
        if (isProphasisError(err)) return { ok: false, refusal: 'nothing-to-do', detail: `Nothing was changed: ${link.label} is not a problem now.` };
        throw err;
      }
      await deps.audit.record({ user: undefined, action: `problems.link.${link.action}`, targetKind: 'problem', targetId: problemKey(link.problem), summary: { link: link.id, recipient: link.recipient } });
      return checked;
    },

    async list(problem) {
      const rows = await db.sequelize.query<{ id: string; problem_key: string; action: string; recipient: string; created_at: unknown; expires_at: unknown; used_at: unknown; revoked_at: unknown }>(
        'SELECT id, problem_key, action, recipient, created_at, expires_at, used_at, revoked_at FROM action_links WHERE problem_key = ? ORDER BY created_at DESC, id LIMIT 500',
        { type: QueryTypes.SELECT, replacements: [problem] },
      );
      const ms = (v: unknown) => (v == null ? null : Number(v));
      return rows.map((r) => ({ id: r.id, problem: r.problem_key, action: r.action as LinkAction, recipient: r.recipient, createdAt: Number(r.created_at), expiresAt: Number(r.expires_at), usedAt: ms(r.used_at), revokedAt: ms(r.revoked_at) }));
    },

    async revoke(id) {
      const [, changed] = await db.sequelize.query('UPDATE action_links SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', { type: QueryTypes.UPDATE, replacements: [now(), id] });
      return changed > 0;
    },
  };
}
