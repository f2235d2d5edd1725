import { ChangeDetectionStrategy, Component, DestroyRef, ElementRef, afterNextRender, effect, inject, input, model } from '@angular/core';
import { StreamLanguage } from '@codemirror/language';
import { lua } from '@codemirror/legacy-modes/mode/lua';
import { Compartment, EditorState } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { basicSetup } from 'codemirror';

/**
 * A CodeMirror 6 editor with Lua highlighting, for plugin classifiers. `value` is two-way
 * (`[(value)]`); the editor is created after the first render because CodeMirror measures
 * the DOM.
 */
@Component({
  selector: 'p-lua-editor',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: '',
  host: { '[attr.aria-label]': 'label()' },
  styles: `
    :host { display: block; border: 1px solid var(--mat-sys-outline-variant); border-radius: 4px; overflow: hidden; }
    :host ::ng-deep .cm-editor { min-height: var(--p-lua-editor-min-height, 200px); font-size: 13px; }
    :host ::ng-deep .cm-editor.cm-focused { outline: 2px solid var(--mat-sys-primary); }
    :host ::ng-deep .cm-scroller { font-family: ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace; }
  `,
})
export class LuaEditorComponent {
  readonly value = model('');
  readonly readonly = input(false);
  /** Accessible name of the editor, e.g. `Classifier code`. */
  readonly label = input('Lua code');

  private readonly host = inject<ElementRef<HTMLElement>>(ElementRef);
  private readonly editable = new Compartment();
  private view: EditorView | undefined;

  constructor() {
    afterNextRender(() => {
      this.view = new EditorView({
        parent: this.host.nativeElement,
        state: EditorState.create({
          doc: this.value(),
          extensions: [
            basicSetup,
            StreamLanguage.define(lua),
            this.editable.of(EditorState.readOnly.of(this.readonly())),
            EditorView.updateListener.of((update) => {
              if (update.docChanged) this.value.set(update.state.doc.toString());
            }),
          ],
        }),
      });
    });
    // Outside changes (a loaded classifier, a reset button) replace the document.
    effect(() => {
      const value = this.value();
      const view = this.view;
      if (view && view.state.doc.toString() !== value) {
        view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: value } });
      }
    });
    effect(() => {
      const readonly = this.readonly();
      this.view?.dispatch({ effects: this.editable.reconfigure(EditorState.readOnly.of(readonly)) });
    });
    inject(DestroyRef).onDestroy(() => this.view?.destroy());
  }
}
