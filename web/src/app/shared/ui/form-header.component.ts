import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { RouterLink } from '@angular/router';
import type { FormStore, NamedObject } from './form-store';

/**
 * The top of an add/edit form: the link back to the list, the heading (`Add host group`, or the
 * object's name once loaded), a progress bar while loading (the e2e suite waits for it to go)
 * and the banner with the API's message.
 */
@Component({
  selector: 'p-form-header',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [MatProgressBarModule, RouterLink],
  template: `
    <p><a [routerLink]="store().back">← {{ backLabel() }}</a></p>
    <h1 class="p-page-title">{{ title() }}</h1>
    @if (store().loading()) {
      <mat-progress-bar mode="indeterminate" />
    }
    @if (store().error(); as text) {
      <p class="p-error-banner" role="alert">{{ text }}</p>
    }
  `,
  // The page lays these out as its own children.
  styles: `:host { display: contents; }`,
})
export class FormHeaderComponent {
  readonly store = input.required<FormStore<NamedObject>>();

  protected readonly backLabel = computed(() => capitalise(`${this.store().noun}s`));
  protected readonly title = computed(() => {
    const store = this.store();
    return store.editing() ? (store.item()?.name ?? capitalise(store.noun)) : `Add ${store.noun}`;
  });
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
