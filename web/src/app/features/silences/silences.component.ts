import { DatePipe, formatDate } from '@angular/common';
import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { FormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatButtonToggleModule } from '@angular/material/button-toggle';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatSelectModule } from '@angular/material/select';
import { ActivatedRoute } from '@angular/router';
import { toApiError } from '../../core/api-error';
import { ApiService } from '../../core/api.service';
import { AuthService } from '../../core/auth.service';
import type { Host, HostGroup, Service, Silence } from '../../core/protocol';
import { loadAll } from '../../shared/ui/load-all';
import { describeWindow, newDraft, toSilenceInput, WEEKDAYS, type SilenceDraft } from './silence-form';

/**
 * Silences and maintenance windows (`/silences`, docs/alerts.md): what is silenced now and
 * later, and a form for operators to add one-off silences and daily or weekly windows in a
 * time zone, scoped to hosts, host groups and services. Opened from a host's or service's
 * "Silence" action, the form starts with that host or service.
 */
@Component({
  selector: 'p-silences',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [DatePipe, FormsModule, MatButtonModule, MatButtonToggleModule, MatCheckboxModule, MatFormFieldModule, MatInputModule, MatSelectModule],
  templateUrl: './silences.component.html',
  styles: `
    .form { display: grid; gap: 0.75rem; max-width: 40rem; margin-bottom: 2rem; }
    .row { display: flex; flex-wrap: wrap; gap: 0.75rem; }
    .row > * { flex: 1 1 12rem; }
    table { border-collapse: collapse; width: 100%; }
    th, td { text-align: left; padding: 0.4rem 0.5rem; border-bottom: 1px solid rgba(0, 0, 0, 0.08); vertical-align: top; }
    .active { font-weight: 600; color: #4a2a7a; }
  `,
})
export class SilencesComponent {
  private readonly api = inject(ApiService);
  protected readonly auth = inject(AuthService);
  private readonly query = toSignal(inject(ActivatedRoute).queryParamMap);

  protected readonly weekdays = WEEKDAYS;
  protected readonly silences = signal<readonly Silence[]>([]);
  protected readonly hosts = signal<readonly Host[]>([]);
  protected readonly groups = signal<readonly HostGroup[]>([]);
  protected readonly services = signal<readonly Service[]>([]);
  protected readonly error = signal<string | undefined>(undefined);
  protected readonly saved = signal<string | undefined>(undefined);
  protected readonly busy = signal(false);
  protected readonly canAct = computed(() => ['admin', 'operator'].includes(this.auth.user()?.role ?? ''));
  protected draft: SilenceDraft;

  constructor() {
    const q = this.query();
    const scope = { hostId: Number(q?.get('hostId')) || undefined, serviceId: Number(q?.get('serviceId')) || undefined };
    this.draft = newDraft(Date.now(), scope, Intl.DateTimeFormat().resolvedOptions().timeZone);
    void this.load();
  }

  protected window(s: Silence): string {
    return describeWindow(s, (ms) => formatDate(ms, 'd MMM y, HH:mm', 'en-US'));
  }

  protected scopeNames(s: Silence): string {
    const name = <T extends { id: number; name: string }>(list: readonly T[], id: number) => list.find((x) => x.id === id)?.name ?? `#${id}`;
    return [
      ...s.scopes.hostIds.map((id) => `host ${name(this.hosts(), id)}`),
      ...s.scopes.groupIds.map((id) => `group ${name(this.groups(), id)}`),
      ...s.scopes.serviceIds.map((id) => `service ${name(this.services(), id)}`),
      ...s.scopes.checkIds.map((id) => `check #${id}`),
      ...s.scopes.pluginIds.map((p) => `plugin ${p}`),
      ...(s.scopes.problem ? [`problem ${s.scopes.problem}`] : []),
    ].join(', ');
  }

  protected toggleDay(day: number, on: boolean): void {
    this.draft.weekdays = on ? [...new Set([...this.draft.weekdays, day])] : this.draft.weekdays.filter((d) => d !== day);
  }

  protected async save(): Promise<void> {
    this.busy.set(true);
    this.error.set(undefined);
    this.saved.set(undefined);
    try {
      const created = await this.api.post<Silence>('silences', toSilenceInput(this.draft));
      this.saved.set(`Saved “${created.name}”.`);
      this.draft = { ...this.draft, name: '', comment: '' };
      await this.load();
    } catch (err) {
      this.error.set(toApiError(err).message);
    } finally {
      this.busy.set(false);
    }
  }

  protected async remove(s: Silence): Promise<void> {
    try {
      await this.api.delete(`silences/${s.id}`);
      await this.load();
    } catch (err) {
      this.error.set(toApiError(err).message);
    }
  }

  private async load(): Promise<void> {
    try {
      const [silences, hosts, groups, services] = await Promise.all([
        this.api.get<Silence[]>('silences'),
        loadAll<Host>(this.api, 'hosts'),
        loadAll<HostGroup>(this.api, 'groups'),
        loadAll<Service>(this.api, 'services'),
      ]);
      this.silences.set(silences);
      this.hosts.set(hosts);
      this.groups.set(groups);
      this.services.set(services);
    } catch (err) {
      this.error.set(toApiError(err).message);
    }
  }
}
