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
import type { Check, Host, HostGroup, Plugin, Service, Silence } from '../../core/protocol';
import { loadAll } from '../../shared/ui/load-all';
import { describeWindow, newDraft, toSilenceInput, WEEKDAYS, type SilenceDraft } from './silence-form';

/**
 * Silences and maintenance windows (`/silences`, docs/alerts.md): what is silenced now and
 * later, and a form for operators to add one-off silences and daily or weekly windows in a
 * time zone, scoped to hosts, host groups, services, checks and plugins. Opened from a host's,
 * service's or plugin's "Silence" action, the form starts with that host, service, or that one
 * plugin on that host.
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
  protected readonly checks = signal<readonly Check[]>([]);
  protected readonly plugins = signal<readonly Plugin[]>([]);
  protected readonly error = signal<string | undefined>(undefined);
  protected readonly saved = signal<string | undefined>(undefined);
  protected readonly busy = signal(false);
  protected readonly canAct = computed(() => ['admin', 'operator'].includes(this.auth.user()?.role ?? ''));
  protected draft: SilenceDraft;

  constructor() {
    const q = this.query();
    const id = (name: string) => Number(q?.get(name)) || undefined;
    const scope = { hostId: id('hostId'), serviceId: id('serviceId'), pluginId: id('pluginId') };
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
      ...s.scopes.checkIds.map((id) => `check ${name(this.checks(), id)}`),
      ...s.scopes.pluginIds.map((p) => `plugin ${this.plugins().find((x) => x.pluginId === p)?.name ?? p}`),
      ...(s.scopes.problem ? [this.problemName(s.scopes.problem)] : []),
    ].join(', ');
  }

  /** One problem in words: `disk on db-1` for `h:4:p:9` (the plugin's row id), `host db-1`, `service web`. */
  protected problemName(key: string): string {
    const m = /^(?:h:(\d+)(?::p:(\d+))?|s:(\d+))$/.exec(key);
    if (!m) return `problem ${key}`;
    const host = this.hosts().find((h) => h.id === Number(m[1]))?.name ?? `host #${m[1]}`;
    if (m[3]) return `service ${this.services().find((x) => x.id === Number(m[3]))?.name ?? `#${m[3]}`}`;
    if (!m[2]) return `host ${host} (its own state)`;
    return `${this.plugins().find((p) => p.id === Number(m[2]))?.name ?? `plugin #${m[2]}`} on ${host}`;
  }

  /** Turns a one-problem draft into a silence of the whole host. */
  protected widenToHost(): void {
    const hostId = this.draft.problem?.hostId;
    this.draft = { ...this.draft, problem: undefined, hostIds: hostId ? [...new Set([...this.draft.hostIds, hostId])] : this.draft.hostIds };
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
      const [silences, hosts, groups, services, checks, plugins] = await Promise.all([
        this.api.get<Silence[]>('silences'),
        loadAll<Host>(this.api, 'hosts'),
        loadAll<HostGroup>(this.api, 'groups'),
        loadAll<Service>(this.api, 'services'),
        loadAll<Check>(this.api, 'checks'),
        loadAll<Plugin>(this.api, 'plugins'),
      ]);
      this.silences.set(silences);
      this.hosts.set(hosts);
      this.groups.set(groups);
      this.services.set(services);
      this.checks.set(checks);
      this.plugins.set(plugins);
    } catch (err) {
      this.error.set(toApiError(err).message);
    }
  }
}
