import { ChangeDetectionStrategy, Component, inject, signal, viewChild } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { Router } from '@angular/router';
import { toApiError } from '../../core/api-error';
import { ApiService } from '../../core/api.service';
import { AuthService } from '../../core/auth.service';
import type { Plugin, UploadBody, UploadResult } from '../../core/protocol';
import { IconComponent } from '../../shared/ui/icon.component';
import { ListPageComponent, type ListColumn } from '../../shared/ui/list-page.component';
import { describeUpload, fileToBase64 } from './bundle-upload';
import { approvalState } from '../../shared/ui/capabilities';

const APPROVAL = { approved: 'Approved', partial: 'Partly approved', pending: 'Waiting for approval' } as const;

/** The plugins list, with "Upload bundle" for administrators (`POST /api/plugins/upload`). */
@Component({
  selector: 'p-plugin-list',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [MatButtonModule, MatProgressBarModule, IconComponent, ListPageComponent],
  template: `
    <section class="p-page">
      <p-list-page
        title="Plugins"
        resource="plugins"
        noun="plugin"
        help="A plugin measures one thing on a host, and its classifier turns the measurements into a severity. Upload a signed bundle from a trusted publisher, then open the plugin to review and approve the capabilities each version asks for."
        [columns]="columns"
        [rowLink]="link"
        [deletable]="true"
      >
        @if (auth.canConfigure()) {
          <span listActions>
            <input #file type="file" accept=".zip,application/zip" class="p-visually-hidden" (change)="upload($any($event.target))" aria-label="Plugin bundle file" />
            <button mat-stroked-button type="button" [disabled]="busy()" (click)="file.click()" title="A signed plugin bundle (.zip) from a trusted publisher">
              <p-icon name="add" /> Upload bundle
            </button>
          </span>
        }
        <div class="upload-state">
          @if (busy()) {
            <mat-progress-bar mode="indeterminate" />
          }
          @if (notice(); as text) {
            <p class="notice" role="status">{{ text }}</p>
          }
          @if (error(); as text) {
            <p class="p-error-banner" role="alert">{{ text }}</p>
          }
        </div>
      </p-list-page>
    </section>
  `,
  styles: `
    .notice { padding: 12px 16px; border-radius: 8px; background: var(--mat-sys-secondary-container); margin: 8px 0; }
  `,
})
export class PluginListComponent {
  private readonly api = inject(ApiService);
  private readonly router = inject(Router);
  protected readonly auth = inject(AuthService);
  private readonly list = viewChild(ListPageComponent);
  protected readonly busy = signal(false);
  protected readonly notice = signal<string | undefined>(undefined);
  protected readonly error = signal<string | undefined>(undefined);

  protected readonly columns: readonly ListColumn<Plugin>[] = [
    { key: 'name', label: 'Name', sortable: true },
    { key: 'pluginId', label: 'Id', sortable: true },
    { key: 'version', label: 'Newest version', value: (p) => p.version },
    { key: 'approval', label: 'Newest approval', value: (p) => (p.versions[0] ? APPROVAL[approvalState(p.versions[0])] : undefined) },
    { key: 'versions', label: 'Versions', value: (p) => p.versions.length },
    { key: 'description', label: 'Description' },
  ];
  protected readonly link = (p: Plugin) => ['/plugins', p.id];

  protected async upload(input: HTMLInputElement): Promise<void> {
    const file = input.files?.[0];
    input.value = ''; // choosing the same file again fires change again
    if (!file) return;
    this.busy.set(true);
    this.error.set(undefined);
    this.notice.set(undefined);
    try {
      const body: UploadBody = { bundle: await fileToBase64(file) };
      const result = await this.api.post<UploadResult>('plugins/upload', body);
      this.notice.set(describeUpload(result));
      this.list()?.reload();
      // Open the plugin (`id` is its row id) so its capabilities can be reviewed and approved right away.
      await this.router.navigate(['/plugins', result.id]);
    } catch (err) {
      this.error.set(toApiError(err).message);
    } finally {
      this.busy.set(false);
    }
  }
}
