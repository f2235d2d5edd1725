import { FormControl, FormGroup, Validators } from '@angular/forms';
import { SettingsInput, SmtpSettings, type Settings } from '../../core/protocol';
import { schemaValidators, type SchemaLimits } from '../../shared/ui/form-errors';

const p = SettingsInput.properties;
const smtp = SmtpSettings.properties;
const int = (schema: SchemaLimits) => [Validators.required, ...schemaValidators(schema)];

/** The API's limit on max lateness, in the seconds the form shows. */
export const MAX_LATENESS_SECONDS = (p.maxLatenessMs.maximum ?? 86_400_000) / 1000;

export type SettingsForm = ReturnType<typeof createSettingsForm>;

/** The settings form; limits come from `SettingsInput`, lateness is edited in seconds. */
export function createSettingsForm(s?: Settings) {
  return new FormGroup({
    maxLatenessSeconds: new FormControl<number | null>(s ? s.maxLatenessMs / 1000 : null, { validators: [Validators.required, Validators.min(0), Validators.max(MAX_LATENESS_SECONDS)] }),
    retentionRawDays: new FormControl<number | null>(s?.retentionRawDays ?? null, { validators: int(p.retentionRawDays) }),
    retentionMinuteDays: new FormControl<number | null>(s?.retentionMinuteDays ?? null, { validators: int(p.retentionMinuteDays) }),
    retentionHourDays: new FormControl<number | null>(s?.retentionHourDays ?? null, { validators: int(p.retentionHourDays) }),
    retentionSystemLogDays: new FormControl<number | null>(s?.retentionSystemLogDays ?? null, { validators: int(p.retentionSystemLogDays) }),
    retentionTransitionsDays: new FormControl<number | null>(s?.retentionTransitionsDays ?? null, { validators: int(p.retentionTransitionsDays) }),
    retentionAuditDays: new FormControl<number | null>(s?.retentionAuditDays ?? null, { validators: int(p.retentionAuditDays) }),
    retentionAlertDeliveriesDays: new FormControl<number | null>(s?.retentionAlertDeliveriesDays ?? null, { validators: int(p.retentionAlertDeliveriesDays) }),
    retentionEnrolmentTokensDays: new FormControl<number | null>(s?.retentionEnrolmentTokensDays ?? null, { validators: int(p.retentionEnrolmentTokensDays) }),
    flapLowPercent: new FormControl<number | null>(s?.flapLowPercent ?? 20, { validators: [Validators.required, ...schemaValidators(p.flapLowPercent)] }),
    flapHighPercent: new FormControl<number | null>(s?.flapHighPercent ?? 30, { validators: [Validators.required, ...schemaValidators(p.flapHighPercent)] }),
    publicUrl: new FormControl(s?.publicUrl ?? '', { nonNullable: true, validators: schemaValidators(p.publicUrl) }),
    smtpHost: new FormControl(s?.smtp.host ?? '', { nonNullable: true, validators: schemaValidators(smtp.host) }),
    smtpPort: new FormControl<number | null>(s?.smtp.port ?? 587, { validators: int(smtp.port) }),
    smtpSecure: new FormControl(s?.smtp.secure ?? false, { nonNullable: true }),
    smtpUser: new FormControl(s?.smtp.user ?? '', { nonNullable: true, validators: schemaValidators(smtp.user) }),
    smtpFrom: new FormControl(s?.smtp.from ?? '', { nonNullable: true, validators: schemaValidators(smtp.from) }),
    /** Write-only: empty keeps the stored password. */
    smtpPassword: new FormControl('', { nonNullable: true, validators: schemaValidators(p.smtpPassword) }),
  });
}

/** The body of `PUT /api/settings`; the password only when one was typed. */
export function settingsInput(form: SettingsForm): SettingsInput {
  const v = form.getRawValue();
  const out: SettingsInput = {
    maxLatenessMs: Math.round((v.maxLatenessSeconds ?? 0) * 1000),
    retentionRawDays: v.retentionRawDays ?? undefined,
    retentionMinuteDays: v.retentionMinuteDays ?? undefined,
    retentionHourDays: v.retentionHourDays ?? undefined,
    retentionSystemLogDays: v.retentionSystemLogDays ?? undefined,
    retentionTransitionsDays: v.retentionTransitionsDays ?? undefined,
    retentionAuditDays: v.retentionAuditDays ?? undefined,
    retentionAlertDeliveriesDays: v.retentionAlertDeliveriesDays ?? undefined,
    retentionEnrolmentTokensDays: v.retentionEnrolmentTokensDays ?? undefined,
    flapLowPercent: v.flapLowPercent ?? undefined,
    flapHighPercent: v.flapHighPercent ?? undefined,
    publicUrl: v.publicUrl.trim(),
    smtp: { host: v.smtpHost.trim(), port: v.smtpPort ?? 587, secure: v.smtpSecure, user: v.smtpUser.trim(), from: v.smtpFrom.trim() },
  };
  if (v.smtpPassword) out.smtpPassword = v.smtpPassword;
  return out;
}
