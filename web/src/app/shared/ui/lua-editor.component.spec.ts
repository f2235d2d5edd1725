import { Component, signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { EditorView } from '@codemirror/view';
import { LuaEditorComponent } from './lua-editor.component';

@Component({
  imports: [LuaEditorComponent],
  template: `<p-lua-editor [(value)]="code" label="Classifier" />`,
})
class HostComponent {
  readonly code = signal('return "ok"');
}

describe('LuaEditorComponent', () => {
  it('shows the code highlighted as Lua and keeps the value two-way', async () => {
    const fixture = TestBed.createComponent(HostComponent);
    fixture.detectChanges();
    await fixture.whenStable();
    const el = fixture.nativeElement as HTMLElement;
    const editor = el.querySelector('.cm-editor');
    expect(editor).not.toBeNull();
    expect(el.querySelector('.cm-content')?.textContent).toBe('return "ok"');
    // The Lua mode marks `return` as a keyword.
    expect(el.querySelector('.cm-content span')?.textContent).toBe('return');

    // Typing in the editor updates the bound value.
    const view = EditorView.findFromDOM(editor as HTMLElement);
    view?.dispatch({ changes: { from: view.state.doc.length, insert: ' -- done' } });
    expect(fixture.componentInstance.code()).toBe('return "ok" -- done');

    // A new value from outside replaces the document.
    fixture.componentInstance.code.set('return "major"');
    fixture.detectChanges();
    await fixture.whenStable();
    expect(view?.state.doc.toString()).toBe('return "major"');
  });
});
