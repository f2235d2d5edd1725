import { Type, type Static } from '@sinclair/typebox';
import nodemailer from 'nodemailer';
import type { Database } from '../../db/index.js';
import { AlertErrors } from '../errors.js';
import { defaultMessage, testNotice } from '../message.js';
import type { AlertModule } from '../types.js';
import { invalidField, validateSettings } from './validate.js';

/** The SMTP server of the settings page (`settings` rows `smtp` and `smtpPassword`). */
export interface SmtpSettings {
  host: string;
  port: number;
  /** true: implicit TLS (port 465); false: plain connection upgraded with STARTTLS. */
  secure: boolean;
  user: string;
  password: string;
  from: string;
}

/** Where the e-mail module reads the SMTP server from, at every send (so edits apply at once). */
export interface SmtpSource {
  read(): Promise<SmtpSettings>;
}

/** Reads the `smtp` and `smtpPassword` rows the settings API writes (docs/api.md). */
export function databaseSmtpSource(db: Database): SmtpSource {
  return {
    async read() {
      const rows = await db.models.Setting.findAll({ where: { key: ['smtp', 'smtpPassword'] } });
      const values = new Map(rows.map((r) => [r.key, typeof r.value === 'string' && r.key === 'smtp' ? JSON.parse(r.value) : r.value]));
      const smtp = (values.get('smtp') ?? {}) as Partial<SmtpSettings>;
      const password = values.get('smtpPassword');
      return {
        host: typeof smtp.host === 'string' ? smtp.host : '',
        port: typeof smtp.port === 'number' ? smtp.port : 587,
        secure: smtp.secure === true,
        user: typeof smtp.user === 'string' ? smtp.user : '',
        password: typeof password === 'string' ? password : '',
        from: typeof smtp.from === 'string' ? smtp.from : '',
      };
    },
  };
}

const ADDRESS = /^[^\s@<>,;"]+@[^\s@<>,;"]+$/;

const EmailSettingsSchema = Type.Object(
  {
    /** Recipients: a list, or one string separated by commas. */
    to: Type.Union([Type.String({ minLength: 3, maxLength: 1000 }), Type.Array(Type.String({ minLength: 3, maxLength: 254 }), { minItems: 1, maxItems: 50 })]),
    /** Put before every subject so mail filters can sort alerts. */
    subjectPrefix: Type.String({ maxLength: 64, default: '[Prophasis]' }),
    /** Sender; empty: the `from` of the SMTP settings. */
    from: Type.String({ maxLength: 254, default: '' }),
  },
  { additionalProperties: false },
);
export type EmailSettings = Static<typeof EmailSettingsSchema> & { recipients: string[] };

/**
 * E-mail through nodemailer over SMTP (docs/alerts.md, "email"). With `secure` false the
 * connection is upgraded with STARTTLS when the server offers it, and STARTTLS is REQUIRED
 * whenever a user name is configured, so a password never crosses the network in clear.
 */
export function createEmailModule(deps: { smtp: SmtpSource; timeoutMs?: number }): AlertModule<EmailSettings> {
  const timeoutMs = deps.timeoutMs ?? 30_000;
  const module: AlertModule<EmailSettings> = {
    id: 'email',
    label: 'E-mail',
    settingsSchema: EmailSettingsSchema,
    validate(settings) {
      const s = validateSettings('email', EmailSettingsSchema, settings);
      const recipients = (Array.isArray(s.to) ? s.to : s.to.split(',')).map((a) => a.trim()).filter((a) => a !== '');
      if (recipients.length === 0) invalidField('email', 'to', 'at least one recipient is required');
      const bad = recipients.find((a) => !ADDRESS.test(a));
      if (bad !== undefined) invalidField('email', 'to', `${JSON.stringify(bad)} is not an e-mail address`);
      if (s.from !== '' && !ADDRESS.test(s.from)) invalidField('email', 'from', `${JSON.stringify(s.from)} is not an e-mail address`);
      if (/[\r\n]/.test(s.subjectPrefix)) invalidField('email', 'subjectPrefix', 'must be one line');
      return { ...s, recipients };
    },
    async send(notice, settings, message = defaultMessage(notice)) {
      const smtp = await deps.smtp.read();
      if (smtp.host === '') throw AlertErrors.NOT_CONFIGURED('email: no SMTP server is set (settings page, smtp.host)');
      const from = settings.from || smtp.from;
      if (from === '') throw AlertErrors.NOT_CONFIGURED('email: no sender is set (settings page, smtp.from, or the alert’s from)');
      const transport = nodemailer.createTransport({
        host: smtp.host,
        port: smtp.port,
        secure: smtp.secure,
        requireTLS: !smtp.secure && smtp.user !== '',
        ...(smtp.user !== '' ? { auth: { user: smtp.user, pass: smtp.password } } : {}),
        connectionTimeout: timeoutMs,
        greetingTimeout: timeoutMs,
        socketTimeout: timeoutMs,
      });
      try {
        const subject = `${settings.subjectPrefix ? `${settings.subjectPrefix} ` : ''}${message.subject}`;
        // An HTML body (only when an administrator wrote one) goes with the text as multipart/alternative.
        await transport.sendMail({ from, to: settings.recipients, subject, text: message.text, ...(message.html !== null ? { html: message.html } : {}) });
      } finally {
        transport.close();
      }
    },
    test: (settings) => module.send(testNotice(), settings),
  };
  return module;
}
