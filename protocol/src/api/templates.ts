import { type Static, Type } from '@sinclair/typebox';

/** The REST API's shapes (protocol/src/api.ts): notification templates (docs/alerts.md, "Templates"). */

/** The Mustache sources of one module's notifications: subject, plain-text body, HTML body (e-mail only; empty: none). */
const AlertTemplateSources = {
  subject: Type.String({ maxLength: 1000 }),
  text: Type.String({ maxLength: 20_000 }),
  html: Type.String({ maxLength: 50_000 }),
};

/** One module's templates (`GET /api/alert-templates`): the sources it sends, the defaults, whether they were edited. */
export const AlertTemplates = Type.Object({
  module: Type.String(),
  label: Type.String(),
  /** Which of subject, text, html the module sends. */
  fields: Type.Array(Type.Union([Type.Literal('subject'), Type.Literal('text'), Type.Literal('html')])),
  ...AlertTemplateSources,
  defaults: Type.Object(AlertTemplateSources),
  /** false: the built-in defaults are in use. */
  custom: Type.Boolean(),
  updatedAt: Type.Union([Type.Integer(), Type.Null()]),
  updatedBy: Type.Union([Type.String(), Type.Null()]),
});
export type AlertTemplates = Static<typeof AlertTemplates>;

/** Every module's templates and the variables they may use (`{{alert.name}}`; `#plugin`: an object or a list, used as a section; `causes[].plugin` inside `{{#causes}}`). */
export const AlertTemplateList = Type.Object({
  items: Type.Array(AlertTemplates),
  variables: Type.Array(Type.Object({ name: Type.String(), description: Type.String() })),
});
export type AlertTemplateList = Static<typeof AlertTemplateList>;

/** `PUT /api/alert-templates/:module`: a template that does not render is refused (400 naming the field). `html`: e-mail only. */
export const AlertTemplateInput = Type.Object(
  { subject: AlertTemplateSources.subject, text: AlertTemplateSources.text, html: Type.Optional(AlertTemplateSources.html) },
  { additionalProperties: false },
);
export type AlertTemplateInput = Static<typeof AlertTemplateInput>;

/** `POST /api/alert-templates/:module/preview`: unsaved sources over a sample notice (`sample`), the module's newest notification (`latest`) or one by its delivery id. */
export const AlertTemplatePreviewRequest = Type.Object(
  {
    subject: AlertTemplateSources.subject,
    text: AlertTemplateSources.text,
    html: Type.Optional(AlertTemplateSources.html),
    source: Type.Optional(Type.String({ minLength: 1, maxLength: 64, default: 'sample' })),
  },
  { additionalProperties: false },
);
export type AlertTemplatePreviewRequest = Static<typeof AlertTemplatePreviewRequest>;

export const AlertTemplatePreview = Type.Object({
  subject: Type.String(),
  text: Type.String(),
  /** The HTML body (e-mail with an HTML template), else null. */
  html: Type.Union([Type.String(), Type.Null()]),
  /** What was rendered: the sample, or a stored notification (with example links: a preview mints none). */
  source: Type.Object({ kind: Type.Union([Type.Literal('sample'), Type.Literal('delivery')]), deliveryId: Type.Union([Type.String(), Type.Null()]), description: Type.String() }),
});
export type AlertTemplatePreview = Static<typeof AlertTemplatePreview>;
