import { ChangeDetectionStrategy, Component, ElementRef, input, signal, viewChild } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { copyText } from './copy-text';

/**
 * A shell command shown as preformatted text with a Copy button. Where the clipboard cannot be
 * written (plain HTTP, permission refused) the command is selected instead and the button says
 * how to finish.
 */
@Component({
  selector: 'p-command-box',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [MatButtonModule],
  template: `
    <div class="label">{{ label() }}</div>
    <div class="box">
      <pre #text class="command">{{ command() }}</pre>
      <button mat-stroked-button type="button" class="copy" [attr.aria-label]="'Copy ' + label()" (click)="copy()">{{ copied() }}</button>
    </div>
  `,
  styles: `
    :host { display: block; margin: 8px 0 16px; }
    .label { font-weight: 500; margin-bottom: 4px; }
    .box { display: flex; gap: 8px; align-items: flex-start; flex-wrap: wrap; }
    .command {
      flex: 1 1 260px; min-width: 0; margin: 0; padding: 8px 12px; border-radius: 4px;
      background: var(--mat-sys-surface-container-high); white-space: pre-wrap; overflow-wrap: anywhere;
      font-family: ui-monospace, monospace; font-size: 13px;
    }
  `,
})
export class CommandBoxComponent {
  readonly label = input.required<string>();
  readonly command = input.required<string>();
  private readonly text = viewChild.required<ElementRef<HTMLElement>>('text');
  protected readonly copied = signal('Copy');

  protected async copy(): Promise<void> {
    const ok = await copyText(this.command(), this.text().nativeElement);
    this.copied.set(ok ? 'Copied' : 'Selected: press Ctrl+C');
  }
}
