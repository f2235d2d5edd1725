import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { toApiError } from '../../core/api-error';
import { ApiService } from '../../core/api.service';
import type { ConfigApplyResult, ConfigChange } from '../../core/protocol';

/** Largest file the panel sends: the API takes a request body of up to 1 MiB (larger files: the CLI). */
const MAX_FILE_BYTES = 1_000_000;

const SIGN: Readonly<Record<ConfigChange['action'], string>> = { create: '+', update: '~', delete: '−' };

/** One change as a line: `+ create hosts web1`, `~ update checks cpu (plugins)`. */
export function describeChange(c: ConfigChange): string {
  return `${SIGN[c.action]} ${c.action} ${c.kind} ${c.name}${c.fields?.length ? ` (${c.fields.join(', ')})` : ''}`;
}

/** A chosen file's text (FileReader: what every browser, and the tests' DOM, has). */
function readText(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result ?? ''));
    reader.onerror = () => reject(reader.error ?? new Error('unreadable'));
    reader.readAsText(file);
  });
}

/**
 * Settings → Configuration (docs/configuration-as-code.md): downloads the configuration as YAML,
 * and applies a YAML file after showing its dry run (what it would create, update and delete).
 * Administrators only; the API refuses everyone else.
 */
@Component({
  selector: 'p-config-panel',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [FormsModule, MatButtonModule, MatCheckboxModule],
  template: `
    <h2 id="config-as-code">Configuration</h2>
    <p class="p-muted">
      The whole configuration as one YAML file, by name: to review it, keep it in version control, or apply it to another core. Secrets are written as
      <code>{{ secretExample }}</code> references, never as values.
    </p>
    <div class="p-form-actions">
      <a mat-stroked-button href="/api/config/export" download="prophasis-config.yaml">Export (download YAML)</a>
      <label class="file">
        <span class="p-muted">Apply a file:</span>
        <input type="file" accept=".yaml,.yml,text/yaml" aria-label="Configuration file to apply" (change)="pick($event)" />
      </label>
    </div>
    <mat-checkbox [ngModel]="prune()" (ngModelChange)="setPrune($event)">Also delete what the file does not name (prune)</mat-checkbox>
    @if (error(); as text) {
      <p class="p-error-banner" role="alert">{{ text }}</p>
    }
    @if (preview(); as p) {
      <div data-testid="config-preview">
        @if (p.changed) {
          <p>{{ fileName() }} would make {{ p.changes.length }} {{ p.changes.length === 1 ? 'change' : 'changes' }}:</p>
          <ul class="changes">
            @for (c of p.changes; track $index) {
              <li [class]="c.action">{{ line(c) }}</li>
            }
          </ul>
          @for (n of p.notes; track $index) {
            <p class="p-muted">{{ n }}</p>
          }
          <div class="p-form-actions">
            <button mat-flat-button type="button" [disabled]="busy()" (click)="apply()">Apply</button>
            <button mat-button type="button" [disabled]="busy()" (click)="reset()">Cancel</button>
          </div>
        } @else {
          <p role="status">No changes: this core already has the configuration of {{ fileName() }}.</p>
        }
      </div>
    }
    @if (applied()) {
      <p role="status" data-testid="config-applied">Applied {{ fileName() }}: {{ summary() }}.</p>
    }
  `,
  styles: `
    h2 { font: var(--mat-sys-title-medium); margin: 16px 0 8px; }
    .file { display: inline-flex; gap: 8px; align-items: center; }
    .changes { font-family: monospace; margin: 4px 0 8px; padding-left: 16px; list-style: none; }
    .create { color: var(--mat-sys-primary); }
    .delete { color: var(--mat-sys-error); }
  `,
})
export class ConfigPanelComponent {
  private readonly api = inject(ApiService);
  protected readonly secretExample = '${secret:NAME}';
  protected readonly fileName = signal('');
  private readonly yaml = signal<string | undefined>(undefined);
  protected readonly prune = signal(false);
  protected readonly preview = signal<ConfigApplyResult | undefined>(undefined);
  protected readonly applied = signal<ConfigApplyResult | undefined>(undefined);
  protected readonly error = signal<string | undefined>(undefined);
  protected readonly busy = signal(false);
  protected readonly line = describeChange;
  protected readonly summary = computed(() => {
    const changes = this.applied()?.changes ?? [];
    const n = (action: string) => changes.filter((c) => c.action === action).length;
    return `${n('create')} created, ${n('update')} updated, ${n('delete')} deleted`;
  });

  /** A file was chosen: read it and show its dry run. */
  protected async pick(event: Event): Promise<void> {
    const file = (event.target as HTMLInputElement).files?.[0];
    if (!file) return;
    this.reset();
    if (file.size > MAX_FILE_BYTES) {
      this.error.set(`${file.name} is larger than 1 MB; apply it with the command line (npx prophasis config apply).`);
      return;
    }
    this.fileName.set(file.name);
    try {
      this.yaml.set(await readText(file));
    } catch {
      this.error.set(`${file.name} cannot be read.`);
      return;
    }
    await this.dryRun();
  }

  protected async setPrune(value: boolean): Promise<void> {
    this.prune.set(value);
    if (this.yaml() !== undefined && !this.applied()) await this.dryRun();
  }

  protected async apply(): Promise<void> {
    const result = await this.send(false);
    if (!result) return;
    this.preview.set(undefined);
    this.applied.set(result);
  }

  protected reset(): void {
    this.preview.set(undefined);
    this.applied.set(undefined);
    this.error.set(undefined);
  }

  private async dryRun(): Promise<void> {
    const result = await this.send(true);
    if (result) this.preview.set(result);
  }

  private async send(dryRun: boolean): Promise<ConfigApplyResult | undefined> {
    const yaml = this.yaml();
    if (yaml === undefined || this.busy()) return undefined;
    this.busy.set(true);
    this.error.set(undefined);
    try {
      return await this.api.post<ConfigApplyResult>(`config/apply?dryRun=${dryRun}&prune=${this.prune()}`, { yaml });
    } catch (err) {
      this.preview.set(undefined);
      this.error.set(toApiError(err).message);
      return undefined;
    } finally {
      this.busy.set(false);
    }
  }
}
