/**
 * Copies `text` to the clipboard. The Clipboard API needs a secure context (HTTPS or
 * localhost) and the user's permission; when it is missing or refuses, the text inside
 * `fallback` is selected so the user can press Ctrl+C / long-press → Copy. Returns whether the
 * text reached the clipboard.
 */
export async function copyText(text: string, fallback?: HTMLElement | null): Promise<boolean> {
  try {
    const clipboard = globalThis.navigator?.clipboard;
    if (clipboard && typeof clipboard.writeText === 'function') {
      await clipboard.writeText(text);
      return true;
    }
  } catch {
    // Refused (no permission, insecure origin): select the text instead.
  }
  if (fallback) selectContents(fallback);
  return false;
}

/** Selects everything inside `el`, as a triple click would. */
function selectContents(el: HTMLElement): void {
  const selection = globalThis.getSelection?.();
  if (!selection) return;
  const range = document.createRange();
  range.selectNodeContents(el);
  selection.removeAllRanges();
  selection.addRange(range);
}
