import { ChangeDetectionStrategy, Component, effect, inject, untracked, viewChild } from '@angular/core';
import { ApiService } from '../../core/api.service';
import { AuthService } from '../../core/auth.service';
import type { HostGroup } from '../../core/protocol';
import { loadAll } from '../../shared/ui/load-all';
import { FleetTokensComponent } from './fleet-tokens.component';
import { RegistrationRulesComponent } from './registration-rules.component';

/**
 * Auto-registration (`/auto-registration`, docs/enrolment.md): fleet tokens, whose one install
 * line registers many machines as hosts under their own names, and the ordered rules that put
 * those hosts into groups by what their agents report. Administrators only.
 */
@Component({
  selector: 'p-auto-registration',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [FleetTokensComponent, RegistrationRulesComponent],
  template: `
    <section class="p-page">
      <h1 class="p-page-title">Auto-registration</h1>
      @if (auth.canConfigure()) {
        <p class="p-muted intro">
          A fleet token enrols any number of machines with one install line: each becomes a host named after its own host name (a name
          that exists already is refused), joins the token's groups and those of the matching rules, so checks on those groups follow at
          once. For a single host, use Hosts → Add host instead.
        </p>
        <h2 class="p-section-title">Fleet tokens</h2>
        <p-fleet-tokens />
        <h2 class="p-section-title">Registration rules</h2>
        <p class="p-muted">
          Tried in order for every host a fleet token registers; each matching rule adds its groups, and a rule marked “stop” ends the
          list. A rule changes nothing for hosts that exist already.
        </p>
        <p-registration-rules />
      } @else {
        <p class="p-muted">Only administrators can see and manage fleet tokens and registration rules.</p>
      }
    </section>
  `,
  styles: `
    .intro { max-width: 860px; }
  `,
})
export class AutoRegistrationComponent {
  private readonly api = inject(ApiService);
  protected readonly auth = inject(AuthService);
  private readonly tokens = viewChild(FleetTokensComponent);
  private readonly rules = viewChild(RegistrationRulesComponent);
  private loaded = false;

  constructor() {
    // The sections exist once an administrator's view rendered; load them then, once.
    effect(() => {
      const tokens = this.tokens();
      const rules = this.rules();
      if (!tokens || !rules || this.loaded) return;
      this.loaded = true;
      untracked(() => void this.load(tokens, rules));
    });
  }

  private async load(tokens: FleetTokensComponent, rules: RegistrationRulesComponent): Promise<void> {
    let groups: HostGroup[] = [];
    try {
      groups = await loadAll<HostGroup>(this.api, 'groups');
    } catch {
      // The sections still load; their group names fall back to ids.
    }
    await Promise.all([tokens.load(groups), rules.load(groups)]);
  }
}
