import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, computed, effect, inject, input, signal, untracked } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { Router, RouterLink } from '@angular/router';
import { toApiError } from '../../core/api-error';
import { ApiService } from '../../core/api.service';
import { AuthService } from '../../core/auth.service';
import type { ApproveBody, Plugin, PluginVersionInfo } from '../../core/protocol';
import { ConfirmService } from '../../shared/ui/confirm-dialog.component';
import { approvalState, describeCapability } from '../../shared/ui/capabilities';
import { ClassifierEditorComponent } from './classifier-editor.component';
import { CountPipe } from '../../shared/ui/plural';

type Version = Plugin['versions'][number];

/** The default Lua classifier of a version, as the bundle brought it. */
function defaultClassifier(version: Version | undefined): string | undefined {
  return version?.defaultClassifier;
}

/**
 * One plugin (`/plugins/:id`): its versions, each with the capabilities it asks for explained
 * and whether an administrator approved them (and, for administrators, Approve), and the
 * classifier editor (test against history, overrides per check, host or group).
 */
@Component({
  selector: 'p-plugin-detail',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [CountPipe, DatePipe, MatButtonModule, MatCardModule, MatProgressBarModule, RouterLink, ClassifierEditorComponent],
  templateUrl: './plugin-detail.component.html',
  styleUrl: './plugin-detail.component.scss',
})
export class PluginDetailComponent {
  private readonly api = inject(ApiService);
  private readonly router = inject(Router);
  private readonly confirm = inject(ConfirmService);
  protected readonly auth = inject(AuthService);

  readonly id = input.required<string>();

  protected readonly plugin = signal<Plugin | undefined>(undefined);
  protected readonly loading = signal(false);
  protected readonly error = signal<string | undefined>(undefined);
  /** The version being approved, to disable its button meanwhile. */
  protected readonly approving = signal<string | undefined>(undefined);
  protected readonly describe = describeCapability;
  protected readonly approval = approvalState;
  protected readonly classifier = computed(() => {
    const p = this.plugin();
    return p ? defaultClassifier(p.versions.find((v) => v.approvedCapabilities !== null) ?? p.versions[0]) : undefined;
  });

  constructor() {
    effect(() => {
      const id = this.id();
      untracked(() => void this.load(id));
    });
  }

  /**
   * Approves exactly the capabilities the version asks for (`POST
   * /api/plugins/:id/versions/:version/approve`), after the administrator read them in words.
   */
  protected async approve(version: Version): Promise<void> {
    const plugin = this.plugin();
    if (!plugin) return;
    const list = version.requestedCapabilities.map((c) => `• ${describeCapability(c).explanation}`).join('\n');
    const ok = await this.confirm.confirm({
      title: `Approve ${plugin.name} ${version.version}?`,
      message: version.requestedCapabilities.length
        ? `Agents will let this version:\n${list}`
        : 'This version asks for no capabilities: it only computes from its parameters.',
      confirmLabel: 'Approve',
      destructive: false,
    });
    if (!ok) return;
    this.approving.set(version.version);
    this.error.set(undefined);
    try {
      const body: ApproveBody = { capabilities: version.requestedCapabilities };
      await this.api.post<PluginVersionInfo>(`plugins/${plugin.id}/versions/${encodeURIComponent(version.version)}/approve`, body);
      // The answer is one version as the repository reports it; the page shows the plugin's
      // versions (`Plugin.versions`, another shape), so it reloads the plugin.
      await this.load(String(plugin.id));
    } catch (err) {
      this.error.set(toApiError(err).message);
    } finally {
      this.approving.set(undefined);
    }
  }

  protected async remove(): Promise<void> {
    const plugin = this.plugin();
    if (!plugin) return;
    const ok = await this.confirm.confirm({
      title: 'Delete plugin?',
      message: `“${plugin.name}”, all its versions, results and states will be deleted. The API refuses while a check still uses it. This cannot be undone.`,
      confirmLabel: 'Delete',
    });
    if (!ok) return;
    try {
      await this.api.delete(`plugins/${plugin.id}`);
      await this.router.navigate(['/plugins']);
    } catch (err) {
      this.error.set(toApiError(err).message);
    }
  }

  private async load(id: string): Promise<void> {
    this.loading.set(true);
    this.error.set(undefined);
    try {
      this.plugin.set(await this.api.get<Plugin>(`plugins/${encodeURIComponent(id)}`));
    } catch (err) {
      this.error.set(toApiError(err).message);
    } finally {
      this.loading.set(false);
    }
  }
}
