import type { Settings } from '../../core/protocol';
import { fieldMessage } from '../../shared/ui/form-errors';
import { createSettingsForm, MAX_LATENESS_SECONDS, settingsInput } from './settings-form';

const settings: Settings = {
  maxLatenessMs: 90_000,
  retentionRawDays: 7,
  retentionMinuteDays: 30,
  retentionHourDays: 400,
  retentionSystemLogDays: 30,
  retentionTransitionsDays: 730,
  retentionAuditDays: 365,
  retentionAlertDeliveriesDays: 30,
  retentionEnrolmentTokensDays: 7,
  flapLowPercent: 20,
  flapHighPercent: 30,
  publicUrl: 'https://mon.example.com',
  smtp: { host: 'smtp.example.com', port: 465, secure: true, user: 'u', from: 'p@example.com' },
  smtpPasswordSet: true,
};

describe('settings form', () => {
  it('edits lateness in seconds and sends milliseconds, without the password unless one was typed', () => {
    const form = createSettingsForm(settings);
    expect(form.controls.maxLatenessSeconds.value).toBe(90);
    form.controls.maxLatenessSeconds.setValue(120);
    expect(settingsInput(form)).toEqual({
      maxLatenessMs: 120_000,
      retentionRawDays: 7,
      retentionMinuteDays: 30,
      retentionHourDays: 400,
      retentionSystemLogDays: 30,
      retentionTransitionsDays: 730,
      retentionAuditDays: 365,
      retentionAlertDeliveriesDays: 30,
      retentionEnrolmentTokensDays: 7,
      flapLowPercent: 20,
      flapHighPercent: 30,
      publicUrl: 'https://mon.example.com',
      smtp: settings.smtp,
    });
    form.controls.smtpPassword.setValue('s3cret');
    expect(settingsInput(form).smtpPassword).toBe('s3cret');
  });

  it('enforces the API’s limits', () => {
    const form = createSettingsForm(settings);
    form.controls.maxLatenessSeconds.setValue(MAX_LATENESS_SECONDS + 1);
    expect(fieldMessage(form.controls.maxLatenessSeconds)).toBe(`At most ${MAX_LATENESS_SECONDS}.`);
    form.controls.retentionRawDays.setValue(0);
    expect(fieldMessage(form.controls.retentionRawDays)).toBe('At least 1.');
    form.controls.retentionAuditDays.setValue(0);
    expect(fieldMessage(form.controls.retentionAuditDays)).toBe('At least 1.');
    form.controls.retentionEnrolmentTokensDays.setValue(4000);
    expect(fieldMessage(form.controls.retentionEnrolmentTokensDays)).toBe('At most 3650.');
    form.controls.smtpPort.setValue(70_000);
    expect(fieldMessage(form.controls.smtpPort)).toBe('At most 65535.');
    form.controls.flapHighPercent.setValue(101);
    expect(fieldMessage(form.controls.flapHighPercent)).toBe('At most 100.');
    form.controls.flapLowPercent.setValue(-1);
    expect(fieldMessage(form.controls.flapLowPercent)).toBe('At least 0.');
    form.controls.publicUrl.setValue('mon.example.com');
    expect(form.controls.publicUrl.valid).toBe(false);
    form.controls.publicUrl.setValue('https://mon.example.com/prophasis');
    expect(form.controls.publicUrl.valid).toBe(true);
  });
});
