import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ActionLinks, LinkCheck, LinkRefusal } from '../action-links.js';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const VERB = { acknowledge: 'Acknowledge', 'mute-1h': 'Mute for 1 hour', 'mute-until-ok': 'Mute until ok' } as const;
const DONE = { acknowledge: 'acknowledged', 'mute-1h': 'muted for 1 hour', 'mute-until-ok': 'muted until it is ok again' } as const;
const STATUS: Record<LinkRefusal, number> = { tampered: 400, 'other-problem': 403, expired: 410, revoked: 410, used: 409, 'nothing-to-do': 409 };

/** A small page that reads well on a phone. */
function page(reply: FastifyReply, status: number, title: string, body: string) {
  return reply
    .status(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escape(title)} · Prophasis</title>` +
        '<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;line-height:1.5}button{font-size:1.1rem;padding:.6rem 1.2rem}textarea{width:100%}</style>' +
        `</head><body><h1>${escape(title)}</h1>${body}</body></html>`,
    );
}

const refused = (reply: FastifyReply, c: Extract<LinkCheck, { ok: false }>) => page(reply, STATUS[c.refusal], 'Nothing was changed', `<p>${escape(c.detail)}</p>`);

/**
 * `/act/<token>` (docs/alerts.md, "Action links"): GET shows what the link does and a button;
 * the button POSTs and acts. No session: the signed token is the capability.
 */
export async function actionLinkRoutes(app: FastifyInstance, links: ActionLinks): Promise<void> {
  // The confirmation page posts a form; its only field is the optional comment.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 8192 }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  // No JSON schemas for the answers: they are HTML pages, for a person following a link from a notification.
  const html = { description: 'A page for a person (also for a link that is refused: 400, 403, 409 or 410)', content: { 'text/html': { schema: { type: 'string' } } } };
  const described = (operationId: string, summary: string) => ({ schema: { tags: ['problems'], operationId, summary, security: [], response: { 200: html } } });
  app.get<{ Params: { token: string } }>('/act/:token', described('showActionLink', 'Show what an action link from a notification does'), async (request, reply) => {
    const c = await links.check(request.params.token);
    if (!c.ok) return refused(reply, c);
    const { link } = c;
    const comment = link.action === 'acknowledge' ? '<p><label>Comment (optional)<br><textarea name="comment" rows="3" maxlength="2000"></textarea></label></p>' : '';
    return page(
      reply,
      200,
      `${VERB[link.action]}: ${link.label}`,
      `<p>This link was sent to ${escape(link.recipient)}. It acts once and expires ${escape(new Date(link.expiresAt).toISOString())}.</p>` +
        `<form method="post">${comment}<button type="submit">${escape(VERB[link.action])}</button></form>`,
    );
  });

  app.post<{ Params: { token: string }; Body: { comment?: string } | undefined }>('/act/:token', described('useActionLink', 'Carry out an action link (acknowledge or mute)'), async (request, reply) => {
    const comment = typeof request.body?.comment === 'string' ? request.body.comment.slice(0, 2000) : undefined;
    const c = await links.use(request.params.token, comment);
    if (!c.ok) return refused(reply, c);
    return page(reply, 200, 'Done', `<p>${escape(c.link.label)} is ${DONE[c.link.action]}.</p>`);
  });
}
