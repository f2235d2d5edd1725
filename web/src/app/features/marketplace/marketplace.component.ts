import { DecimalPipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { RouterLink } from '@angular/router';
import { toApiError } from '../../core/api-error';
import { ApiService } from '../../core/api.service';
import { AuthService } from '../../core/auth.service';
import type { BrowseResponse, MarketplaceListing, RegistriesInput, RegistriesResponse, RegistryConfig, RegistryFailure, RegistryListed, UpdatesResponse } from '../../core/protocol';

/** Typing pauses this long before the registries are asked, ms. */
const SEARCH_DELAY_MS = 300;

/**
 * The Marketplace section (`/marketplace`): one search over every configured registry, results
 * as cards, the installed plugins a registry offers a newer version of, and the list of
 * registries (editable by administrators).
 */
@Component({
  selector: 'p-marketplace',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [DecimalPipe, FormsModule, MatButtonModule, MatCardModule, MatFormFieldModule, MatInputModule, MatProgressBarModule, RouterLink],
  templateUrl: './marketplace.component.html',
  styleUrl: './marketplace.component.scss',
})
export class MarketplaceComponent {
  private readonly api = inject(ApiService);
  protected readonly auth = inject(AuthService);

  protected readonly query = signal('');
  protected readonly items = signal<readonly MarketplaceListing[]>([]);
  protected readonly failures = signal<readonly RegistryFailure[]>([]);
  protected readonly updates = signal<UpdatesResponse['items']>([]);
  protected readonly registries = signal<readonly RegistryListed[]>([]);
  protected readonly loading = signal(false);
  protected readonly error = signal<string | undefined>(undefined);
  /** Rows being edited (administrators), without the local registry. */
  protected readonly draft = signal<RegistryConfig[] | undefined>(undefined);
  protected readonly registryError = signal<string | undefined>(undefined);
  protected readonly saving = signal(false);

  private searchTimer: ReturnType<typeof setTimeout> | undefined;
  private searchSeq = 0;

  constructor() {
    void this.search();
    void this.loadUpdates();
    void this.loadRegistries();
  }

  protected typed(q: string): void {
    this.query.set(q);
    clearTimeout(this.searchTimer);
    this.searchTimer = setTimeout(() => void this.search(), SEARCH_DELAY_MS);
  }

  protected async search(): Promise<void> {
    clearTimeout(this.searchTimer);
    const seq = ++this.searchSeq;
    this.loading.set(true);
    try {
      const answer = await this.api.get<BrowseResponse>('marketplace/plugins', { q: this.query().trim() });
      if (seq !== this.searchSeq) return;
      this.items.set(answer.items);
      this.failures.set(answer.errors);
      this.error.set(undefined);
    } catch (err) {
      if (seq === this.searchSeq) this.error.set(toApiError(err).message);
    } finally {
      if (seq === this.searchSeq) this.loading.set(false);
    }
  }

  protected pageLink(item: { registry: string; id?: string; pluginId?: string }): string[] {
    return ['/marketplace', item.registry, item.id ?? item.pluginId ?? ''];
  }

  protected editRegistries(): void {
    this.registryError.set(undefined);
    this.draft.set(this.registries().filter((r) => !r.local).map((r) => ({ name: r.name, url: r.url })));
  }

  protected addRow(): void {
    this.draft.update((rows) => [...(rows ?? []), { name: '', url: 'https://' }]);
  }

  protected removeRow(index: number): void {
    this.draft.update((rows) => rows?.filter((_, i) => i !== index));
  }

  protected setRow(index: number, key: 'name' | 'url', value: string): void {
    this.draft.update((rows) => rows?.map((r, i) => (i === index ? { ...r, [key]: value } : r)));
  }

  protected async saveRegistries(): Promise<void> {
    const rows = this.draft();
    if (!rows) return;
    this.saving.set(true);
    this.registryError.set(undefined);
    try {
      const registries = rows.map((r) => ({ name: r.name.trim(), url: r.url.trim() }));
      const answer = await this.api.put<RegistriesResponse>('marketplace/registries', { registries } satisfies RegistriesInput);
      this.registries.set(answer.items);
      this.draft.set(undefined);
      void this.search();
      void this.loadUpdates();
    } catch (err) {
      this.registryError.set(toApiError(err).message);
    } finally {
      this.saving.set(false);
    }
  }

  private async loadUpdates(): Promise<void> {
    try {
      this.updates.set((await this.api.get<UpdatesResponse>('marketplace/updates')).items);
    } catch {
      // The search shows the registries' problems; an empty update list is the safe reading.
    }
  }

  private async loadRegistries(): Promise<void> {
    try {
      this.registries.set((await this.api.get<RegistriesResponse>('marketplace/registries')).items);
    } catch (err) {
      this.registryError.set(toApiError(err).message);
    }
  }
}
