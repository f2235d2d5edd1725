import { Type, type Static } from '@sinclair/typebox';
import { spawn } from 'node:child_process';
import { isAbsolute } from 'node:path';
import { AlertErrors } from '../errors.js';
import { defaultMessage, noticeJson, testNotice } from '../message.js';
import { argumentProblem, noticeView, renderArgument, type RenderedMessage } from '../templates.js';
import type { AlertModule, AlertNotice } from '../types.js';
import { invalidField, validateSettings } from './validate.js';

const CommandSettingsSchema = Type.Object(
  {
    /** Absolute path of the executable; no shell is involved. */
    path: Type.String({ minLength: 2, maxLength: 1000 }),
    /** Arguments: a list, or one string split at white space (no quoting, no expansion). */
    args: Type.Union([Type.Array(Type.String({ maxLength: 1000 }), { maxItems: 64 }), Type.String({ maxLength: 2000 })], { default: [] }),
    /** The program is killed (and the delivery retried) after this long. */
    timeoutSeconds: Type.Integer({ minimum: 1, maximum: 300, default: 30 }),
  },
  { additionalProperties: false },
);
export type CommandSettings = Omit<Static<typeof CommandSettingsSchema>, 'args'> & { args: string[] };

const STDERR_KEEP = 2048;

/** The notice as `PROPHASIS_ALERT_*` variables (docs/alerts.md, "command"). */
function commandEnvironment(notice: AlertNotice, message: RenderedMessage): Record<string, string> {
  return {
    PROPHASIS_ALERT_ID: String(notice.alert.id),
    PROPHASIS_ALERT_NAME: notice.alert.name,
    PROPHASIS_ALERT_TARGET_KIND: notice.target.kind,
    PROPHASIS_ALERT_TARGET_ID: String(notice.target.id),
    PROPHASIS_ALERT_TARGET: notice.target.name,
    PROPHASIS_ALERT_HOST: notice.target.kind === 'host' ? notice.target.name : '',
    PROPHASIS_ALERT_SERVICE: notice.target.kind === 'service' ? notice.target.name : '',
    PROPHASIS_ALERT_PLUGIN: notice.plugin?.pluginId ?? '',
    PROPHASIS_ALERT_PLUGIN_NAME: notice.plugin?.name ?? '',
    PROPHASIS_ALERT_FROM: notice.from,
    PROPHASIS_ALERT_TO: notice.to,
    PROPHASIS_ALERT_AT: new Date(notice.at).toISOString(),
    PROPHASIS_ALERT_AT_MS: String(notice.at),
    PROPHASIS_ALERT_LATE: notice.late ? '1' : '0',
    PROPHASIS_ALERT_TEST: notice.test ? '1' : '0',
    PROPHASIS_ALERT_SUBJECT: message.subject,
    PROPHASIS_ALERT_TEXT: message.text,
    PROPHASIS_ALERT_ACKNOWLEDGE_URL: message.actions?.acknowledge ?? '',
    PROPHASIS_ALERT_MUTE_1H_URL: message.actions?.mute1h ?? '',
    PROPHASIS_ALERT_MUTE_UNTIL_OK_URL: message.actions?.muteUntilOk ?? '',
  };
}

/**
 * Runs a local executable (docs/alerts.md, "command"): no shell, the notice in `PROPHASIS_ALERT_*`
 * environment variables and as JSON on stdin. The child gets only PATH, LANG and those
 * variables, never the core's own environment (which may hold DATABASE_URL and its password).
 * Exit 0 is success; another code, a signal or the timeout is a failure naming the end of stderr.
 */
export function createCommandModule(): AlertModule<CommandSettings> {
  const module: AlertModule<CommandSettings> = {
    id: 'command',
    label: 'Command',
    settingsSchema: CommandSettingsSchema,
    validate(settings) {
      const s = validateSettings('command', CommandSettingsSchema, settings);
      if (!isAbsolute(s.path)) invalidField('command', 'path', 'must be an absolute path');
      if (s.path.includes('\0')) invalidField('command', 'path', 'must not contain NUL');
      const args = Array.isArray(s.args) ? s.args : s.args.split(/\s+/).filter((a) => a !== '');
      const bad = args.findIndex((a) => a.includes('\0'));
      if (bad >= 0) invalidField('command', `args.${bad}`, 'must not contain NUL');
      // Arguments are templates too (`--host={{host}}`): one that does not render is refused now, not when an alert fires.
      args.forEach((a, i) => {
        const problem = argumentProblem(a);
        if (problem !== undefined) invalidField('command', `args.${i}`, problem);
      });
      return { ...s, args };
    },
    send(notice, settings, message = defaultMessage(notice)) {
      return new Promise<void>((resolve, reject) => {
        const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: process.env.LANG ?? 'C.UTF-8', ...commandEnvironment(notice, message) };
        // Each argument rendered for this notice; no shell, so a value cannot become another argument or a command.
        const view = noticeView(notice, { urls: message.actions, unavailable: '' });
        const args = settings.args.map((a) => renderArgument(a, view));
        const child = spawn(settings.path, args, { shell: false, env, stdio: ['pipe', 'ignore', 'pipe'] });
        let stderr = '';
        let timedOut = false;
        const timer = setTimeout(() => {
          timedOut = true;
          child.kill('SIGKILL');
        }, settings.timeoutSeconds * 1000);
        child.stderr.setEncoding('utf8');
        child.stderr.on('data', (chunk: string) => {
          stderr = (stderr + chunk).slice(-STDERR_KEEP);
        });
        // A program that does not read stdin closes it early: EPIPE is not a delivery failure.
        child.stdin.on('error', () => {});
        child.stdin.end(`${JSON.stringify(noticeJson(notice, message))}\n`);
        child.on('error', (err: NodeJS.ErrnoException) => {
          clearTimeout(timer);
          reject(AlertErrors.DELIVERY_FAILED(`command: cannot run ${settings.path}: ${err.code ?? err.message}`));
        });
        child.on('close', (code, signal) => {
          clearTimeout(timer);
          if (code === 0) return resolve();
          const tail = stderr.trim().split('\n').slice(-3).join(' | ');
          const how = timedOut ? `timed out after ${settings.timeoutSeconds} s` : code !== null ? `exited with code ${code}` : `was killed by ${signal}`;
          reject(AlertErrors.DELIVERY_FAILED(`command: ${settings.path} ${how}${tail ? `: ${tail}` : ''}`));
        });
      });
    },
    test: (settings) => module.send(testNotice(), settings),
  };
  return module;
}
