import { DatePipe, DecimalPipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, computed, effect, inject, input, signal, untracked } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { RouterLink } from '@angular/router';
import { toApiError } from '../../core/api-error';
import { ApiService } from '../../core/api.service';
import { AuthService } from '../../core/auth.service';
import { capabilityRows, groupFingerprint, newCapabilities, trustQuestion, type TrustQuestion } from './install';
import type { InstallBody, InstallResult, MarketplacePluginPage } from '../../core/protocol';
import { describeCapability } from '../../shared/ui/capabilities';
import { renderMarkdown } from '../../shared/ui/markdown';
import { CountPipe } from '../../shared/ui/plural';

/**
 * A plugin's page in one registry (`/marketplace/:registry/:pluginId`): README (Markdown rendered
 * by `marked` and sanitised by DOMPurify, `shared/ui/markdown.ts`), versions with changelog and the capabilities each asks for, the publisher's keys,
 * and Install / Upgrade. Installing is up to two requests: the core refuses a publisher the
 * site does not trust yet with its fingerprint (409), the administrator compares it and says
 * "Trust this publisher?" explicitly, and the second request carries `trustPublisher` and that
 * fingerprint. The answer lists the capabilities with the new ones highlighted and links to the
 * plugin's approval page.
 */
@Component({
  selector: 'p-marketplace-plugin',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [CountPipe, DatePipe, DecimalPipe, MatButtonModule, MatCardModule, MatProgressBarModule, RouterLink],
  templateUrl: './marketplace-plugin.component.html',
  styleUrl: './marketplace.component.scss',
  styles: `
    .readme { overflow-wrap: anywhere; max-height: 640px; overflow: auto; padding: 4px 16px; border-radius: 4px; background: var(--mat-sys-surface-container); }
    .readme :is(pre, code) { font-family: ui-monospace, monospace; font-size: 13px; }
    .readme pre { white-space: pre-wrap; padding: 8px; background: var(--mat-sys-surface-container-high); border-radius: 4px; }
    .readme table { border-collapse: collapse; }
    .readme :is(th, td) { border: 1px solid var(--mat-sys-outline-variant); padding: 4px 8px; text-align: left; }
    .readme img { max-width: 100%; }
    .fingerprint { font-family: ui-monospace, monospace; overflow-wrap: anywhere; }
    .caps { list-style: none; padding: 0; margin: 4px 0 8px; }
    .caps li { padding: 4px 8px; border-left: 3px solid transparent; }
    .caps li.added { border-left-color: var(--mat-sys-error); background: var(--mat-sys-error-container); color: var(--mat-sys-on-error-container); }
    .caps code { font-weight: 500; }
    .version { margin-bottom: 12px; }
    .changelog { white-space: pre-wrap; overflow-wrap: anywhere; margin: 4px 0; font-family: inherit; }
    .install { margin: 16px 0; max-width: 760px; }
    .trust { border-color: var(--mat-sys-error); }
  `,
})
export class MarketplacePluginComponent {
  private readonly api = inject(ApiService);
  protected readonly auth = inject(AuthService);

  /** Route parameters. */
  readonly registry = input.required<string>();
  readonly pluginId = input.required<string>();

  protected readonly page = signal<MarketplacePluginPage | undefined>(undefined);
  /** The README as sanitised HTML (Markdown rendered; issue 21: it was shown raw). */
  protected readonly readmeHtml = computed(() => renderMarkdown(this.page()?.readme ?? ''));
  protected readonly loading = signal(false);
  protected readonly error = signal<string | undefined>(undefined);
  protected readonly busy = signal(false);
  protected readonly installError = signal<string | undefined>(undefined);
  protected readonly trust = signal<TrustQuestion | undefined>(undefined);
  protected readonly result = signal<InstallResult | undefined>(undefined);

  protected readonly fingerprint = groupFingerprint;
  protected readonly describe = describeCapability;
  protected readonly resultRows = computed(() => {
    const r = this.result();
    return r ? capabilityRows(r.requestedCapabilities, r.addedCapabilities) : [];
  });
  protected readonly trustRows = computed(() => capabilityRows(this.trust()?.capabilities ?? [], []));
  /** Newest installed version, if any. */
  protected readonly installed = computed(() => this.page()?.installed[0]?.version);
  protected readonly latest = computed(() => this.page()?.latestVersion ?? undefined);
  protected readonly actionLabel = computed(() => {
    const installed = this.installed();
    const latest = this.latest();
    if (!latest) return undefined;
    if (!installed) return 'Install';
    return installed === latest ? undefined : 'Upgrade';
  });
  /** Versions newest first, each with the capabilities the version before it did not ask for. */
  protected readonly versions = computed(() => {
    const list = this.page()?.versions ?? [];
    return list.map((v, i) => {
      const older = list.slice(i + 1).find((o) => !o.yanked);
      return { ...v, added: new Set(newCapabilities(v.capabilities, older?.capabilities)) };
    });
  });
  protected readonly trusted = computed(() => new Set(this.page()?.trustedKeyIds ?? []));

  constructor() {
    effect(() => {
      const registry = this.registry();
      const pluginId = this.pluginId();
      untracked(() => void this.load(registry, pluginId));
    });
  }

  protected async install(trustKeyId?: string): Promise<void> {
    const page = this.page();
    if (!page || this.busy()) return;
    this.busy.set(true);
    this.installError.set(undefined);
    const body: InstallBody = { registry: page.registry, pluginId: page.id };
    if (page.latestVersion) body.version = page.latestVersion;
    if (trustKeyId) {
      body.trustPublisher = true;
      body.publisherKeyId = trustKeyId;
    }
    try {
      this.result.set(await this.api.post<InstallResult>('marketplace/install', body));
      this.trust.set(undefined);
      void this.load(page.registry, page.id);
    } catch (err) {
      const e = toApiError(err);
      const question = trustKeyId ? undefined : trustQuestion(e);
      if (question) this.trust.set(question);
      else this.installError.set(e.message);
    } finally {
      this.busy.set(false);
    }
  }

  protected declineTrust(): void {
    this.trust.set(undefined);
    this.installError.set('Not installed: the publisher was not trusted.');
  }

  private async load(registry: string, pluginId: string): Promise<void> {
    this.loading.set(true);
    this.error.set(undefined);
    try {
      this.page.set(await this.api.get<MarketplacePluginPage>(`marketplace/registries/${encodeURIComponent(registry)}/plugins/${encodeURIComponent(pluginId)}`));
    } catch (err) {
      this.error.set(toApiError(err).message);
    } finally {
      this.loading.set(false);
    }
  }
}
