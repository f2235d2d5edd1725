/**
 * Asks `probe` every `everyMs` until it returns something other than undefined; rejects after
 * `timeoutMs` with `what` and the last probe error. For conditions outside the browser
 * (processes, files, HTTP); inside a page use Playwright's own waiting.
 */
export async function poll<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
