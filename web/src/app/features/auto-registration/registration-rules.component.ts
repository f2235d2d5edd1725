import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { FormControl, FormGroup, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { toApiError } from '../../core/api-error';
import { ApiService } from '../../core/api.service';
import type { HostGroup, RegistrationPreview, RegistrationRule } from '../../core/protocol';
import { CheckboxListComponent } from '../../shared/ui/checkbox-list.component';
import { ConfirmService } from '../../shared/ui/confirm-dialog.component';
import { describedOptions } from '../../shared/ui/options';
import { conditionsText, moved, ruleInput } from './auto-registration';

/**
 * The registration rules editor (docs/enrolment.md, "Registration rules"): the ordered rules
 * (`GET /api/registration-rules`), each with its conditions and groups; Up/Down reorder them
 * (`PUT /api/registration-rules/order`), Edit and Add share one form (`PUT`/`POST`), Delete
 * after a confirmation; **Try** asks the core which rules and groups a host reporting a name,
 * platform and architecture would get (`POST /api/registration-rules/preview`).
 */
@Component({
  selector: 'p-registration-rules',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [ReactiveFormsModule, MatButtonModule, MatCardModule, MatCheckboxModule, MatFormFieldModule, MatInputModule, CheckboxListComponent],
  template: `
    @if (rules().length === 0) {
      <p class="p-muted empty">No rules yet: hosts a fleet token registers join only the token's groups.</p>
    } @else {
      <ol class="rules">
        @for (rule of rules(); track rule.id; let first = $first; let last = $last) {
          <li class="rule" [attr.data-id]="rule.id">
            <div class="what">
              <strong class="name">{{ rule.name }}</strong>
              <span class="conditions">{{ conditions(rule) }}</span>
              → <span class="groups">{{ groupNames(rule.groupIds) }}</span>
              @if (rule.stop) {
                <span class="stop p-muted">(then stop)</span>
              }
            </div>
            <div class="actions">
              <button mat-button type="button" class="up" [disabled]="busy() || first" [attr.aria-label]="'Move ' + rule.name + ' up'" (click)="move(rule, -1)">Up</button>
              <button mat-button type="button" class="down" [disabled]="busy() || last" [attr.aria-label]="'Move ' + rule.name + ' down'" (click)="move(rule, 1)">Down</button>
              <button mat-button type="button" class="edit" [disabled]="busy()" (click)="edit(rule)">Edit</button>
              <button mat-button type="button" class="danger delete" [disabled]="busy()" (click)="remove(rule)">Delete</button>
            </div>
          </li>
        }
      </ol>
    }

    <mat-card appearance="outlined" class="editor">
      <mat-card-header>
        <mat-card-title>{{ editing() ? 'Edit rule “' + editing()!.name + '”' : 'New rule' }}</mat-card-title>
      </mat-card-header>
      <mat-card-content>
        <form [formGroup]="form" (ngSubmit)="save()">
          <div class="row">
            <mat-form-field>
              <mat-label>Name</mat-label>
              <input matInput formControlName="name" required maxlength="128" />
            </mat-form-field>
            <mat-form-field>
              <mat-label>Host name</mat-label>
              <input matInput formControlName="hostnamePattern" placeholder="web-*" />
              <mat-hint>Glob (web-*, db-?.lan) or /regular expression/; empty: any</mat-hint>
            </mat-form-field>
            <mat-form-field class="narrow">
              <mat-label>Platform</mat-label>
              <input matInput formControlName="platform" placeholder="linux" />
            </mat-form-field>
            <mat-form-field class="narrow">
              <mat-label>Architecture</mat-label>
              <input matInput formControlName="arch" placeholder="x64, arm64" />
            </mat-form-field>
          </div>
          <p-checkbox-list label="Host groups" formControlName="groupIds" [options]="groupOptions()" help="A matching host joins these groups." emptyText="No host groups yet." />
          <mat-checkbox formControlName="stop">Stop here: when this rule matches, later rules are not tried</mat-checkbox>
          <div class="buttons">
            <button mat-flat-button type="submit" [disabled]="busy() || form.invalid">{{ editing() ? 'Save rule' : 'Add rule' }}</button>
            @if (editing()) {
              <button mat-button type="button" class="cancel" (click)="cancel()">Cancel</button>
            }
          </div>
        </form>
        @if (error(); as text) {
          <p class="p-error-banner" role="alert">{{ text }}</p>
        }
      </mat-card-content>
    </mat-card>

    <mat-card appearance="outlined" class="try">
      <mat-card-header><mat-card-title>Try the rules</mat-card-title></mat-card-header>
      <mat-card-content>
        <form [formGroup]="trial" (ngSubmit)="tryRules()" class="row">
          <mat-form-field>
            <mat-label>Host name</mat-label>
            <input matInput formControlName="hostname" required />
          </mat-form-field>
          <mat-form-field class="narrow">
            <mat-label>Platform</mat-label>
            <input matInput formControlName="platform" required />
          </mat-form-field>
          <mat-form-field class="narrow">
            <mat-label>Architecture</mat-label>
            <input matInput formControlName="arch" required />
          </mat-form-field>
          <button mat-stroked-button type="submit" [disabled]="trial.invalid">Try</button>
        </form>
        @if (preview(); as p) {
          <p class="preview">
            @if (p.ruleIds.length === 0) {
              No rule matches; the host joins only its token's groups.
            } @else {
              Matches {{ ruleNames(p.ruleIds) }} → joins {{ groupNames(p.groupIds) }}.
            }
          </p>
        }
      </mat-card-content>
    </mat-card>
  `,
  styles: `
    .rules { padding-left: 24px; max-width: 1000px; }
    .rule { display: flex; justify-content: space-between; align-items: center; gap: 12px; padding: 4px 0; border-bottom: 1px solid var(--mat-sys-outline-variant); }
    .conditions { margin: 0 6px; }
    .editor, .try { margin: 16px 0; max-width: 1000px; }
    .row { display: flex; gap: 12px; flex-wrap: wrap; align-items: baseline; }
    .row mat-form-field { flex: 1 1 220px; }
    .row .narrow { flex: 0 1 150px; }
    .buttons { display: flex; gap: 8px; margin-top: 12px; }
    .danger { --mat-button-text-label-text-color: var(--mat-sys-error); }
  `,
})
export class RegistrationRulesComponent {
  private readonly api = inject(ApiService);
  private readonly confirm = inject(ConfirmService);

  protected readonly rules = signal<readonly RegistrationRule[]>([]);
  protected readonly groups = signal<readonly HostGroup[]>([]);
  protected readonly editing = signal<RegistrationRule | undefined>(undefined);
  protected readonly preview = signal<RegistrationPreview | undefined>(undefined);
  protected readonly busy = signal(false);
  protected readonly error = signal<string | undefined>(undefined);
  protected readonly groupOptions = computed(() => describedOptions(this.groups()));
  private readonly groupName = computed(() => new Map(this.groups().map((g) => [g.id, g.name])));
  protected readonly conditions = conditionsText;

  protected readonly form = new FormGroup({
    name: new FormControl('', { nonNullable: true, validators: [Validators.required, Validators.maxLength(128)] }),
    hostnamePattern: new FormControl('', { nonNullable: true }),
    platform: new FormControl('', { nonNullable: true }),
    arch: new FormControl('', { nonNullable: true }),
    groupIds: new FormControl<number[]>([], { nonNullable: true, validators: [Validators.required] }),
    stop: new FormControl(false, { nonNullable: true }),
  });
  protected readonly trial = new FormGroup({
    hostname: new FormControl('', { nonNullable: true, validators: [Validators.required] }),
    platform: new FormControl('linux', { nonNullable: true, validators: [Validators.required] }),
    arch: new FormControl('x64', { nonNullable: true, validators: [Validators.required] }),
  });

  /** Loads the rules and the groups to choose from; called by the page. */
  async load(groups: readonly HostGroup[]): Promise<void> {
    this.groups.set(groups);
    await this.run(async () => this.rules.set(await this.api.get<RegistrationRule[]>('registration-rules')));
  }

  protected groupNames(ids: readonly number[]): string {
    return ids.length === 0 ? 'no groups' : ids.map((id) => this.groupName().get(id) ?? `#${id}`).join(', ');
  }

  protected ruleNames(ids: readonly number[]): string {
    const names = new Map(this.rules().map((r) => [r.id, r.name]));
    return ids.map((id) => `“${names.get(id) ?? `#${id}`}”`).join(', ');
  }

  protected edit(rule: RegistrationRule): void {
    this.editing.set(rule);
    this.form.reset({ name: rule.name, hostnamePattern: rule.hostnamePattern ?? '', platform: rule.platform ?? '', arch: rule.arch ?? '', groupIds: [...rule.groupIds], stop: rule.stop });
  }

  protected cancel(): void {
    this.editing.set(undefined);
    this.form.reset();
  }

  protected async save(): Promise<void> {
    const editing = this.editing();
    const body = ruleInput(this.form.getRawValue());
    const saved = await this.run(async () => {
      if (editing) await this.api.put<RegistrationRule>(`registration-rules/${editing.id}`, body);
      else await this.api.post<RegistrationRule>('registration-rules', body);
      this.rules.set(await this.api.get<RegistrationRule[]>('registration-rules'));
    });
    if (saved) this.cancel();
  }

  protected async move(rule: RegistrationRule, by: -1 | 1): Promise<void> {
    const ids = moved(
      this.rules().map((r) => r.id),
      rule.id,
      by,
    );
    await this.run(async () => this.rules.set(await this.api.put<RegistrationRule[]>('registration-rules/order', { ids })));
  }

  protected async remove(rule: RegistrationRule): Promise<void> {
    const ok = await this.confirm.confirm({
      title: 'Delete rule?',
      message: `“${rule.name}” will no longer group the hosts registered from now on; hosts it grouped stay in their groups.`,
      confirmLabel: 'Delete rule',
    });
    if (!ok) return;
    await this.run(async () => {
      await this.api.delete(`registration-rules/${rule.id}`);
      this.rules.set(await this.api.get<RegistrationRule[]>('registration-rules'));
      if (this.editing()?.id === rule.id) this.cancel();
    });
  }

  protected async tryRules(): Promise<void> {
    await this.run(async () => this.preview.set(await this.api.post<RegistrationPreview>('registration-rules/preview', this.trial.getRawValue())));
  }

  /** Runs one request with the busy flag; the API's message is shown on failure. True when it succeeded. */
  private async run(work: () => Promise<void>): Promise<boolean> {
    this.busy.set(true);
    this.error.set(undefined);
    try {
      await work();
      return true;
    } catch (err) {
      this.error.set(toApiError(err).message);
      return false;
    } finally {
      this.busy.set(false);
    }
  }
}
