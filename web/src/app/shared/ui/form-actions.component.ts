import { booleanAttribute, ChangeDetectionStrategy, Component, computed, inject, input } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { RouterLink } from '@angular/router';
import { AuthService } from '../../core/auth.service';
import type { FormStore, NamedObject } from './form-store';

/**
 * The buttons under an add/edit form: `Add <noun>` or `Save`, Cancel, whatever the page projects
 * (the alert's Test), and `Delete <noun>` for an existing object. Users who may not configure
 * read a note instead. Inside the `<form>` the first button submits it; `outsideForm` (a page
 * whose editors lie outside its `<form>`) makes it save on click.
 */
@Component({
  selector: 'p-form-actions',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [MatButtonModule, RouterLink],
  template: `
    @if (auth.canConfigure()) {
      <div class="p-form-actions">
        <button mat-flat-button [type]="outsideForm() ? 'button' : 'submit'" [disabled]="store().busy()" (click)="clicked()">{{ label() }}</button>
        <a mat-button [routerLink]="store().back">Cancel</a>
        <ng-content />
        @if (store().item()) {
          <button mat-button type="button" class="danger" (click)="store().remove()">{{ store().deleteLabel }}</button>
        }
      </div>
    } @else {
      <p class="p-muted">Your role can view {{ store().noun }}s but not change them.</p>
    }
  `,
  styles: `
    :host { display: contents; }
    .danger { margin-left: auto; --mat-button-text-label-text-color: var(--mat-sys-error); }
  `,
})
export class FormActionsComponent {
  protected readonly auth = inject(AuthService);

  readonly store = input.required<FormStore<NamedObject>>();
  /** The button is not inside the page's `<form>`: save on click instead of submitting. */
  readonly outsideForm = input(false, { transform: booleanAttribute });

  protected readonly label = computed(() => (this.store().editing() ? 'Save' : `Add ${this.store().noun}`));

  protected clicked(): void {
    if (this.outsideForm()) void this.store().save();
  }
}
