import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BROWSER_ENTRY = fileURLToPath(new URL('./browser.ts', import.meta.url));

/**
 * The console is served with a Content Security Policy without 'unsafe-eval' (core/src/http, docs/api.md):
 * loading the browser entry must not generate code from strings (TypeBox's compiler does, with
 * `new Function`, so it may only run when a Node-side check is first asked for).
 */
describe('browser entry', () => {
  it('loads without generating code from strings (the console runs under a CSP without unsafe-eval)', async () => {
    const script = `await import(${JSON.stringify(BROWSER_ENTRY)}); console.log('loaded');`;
    const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
      execFile(process.execPath, ['--import', 'tsx', '--disallow-code-generation-from-strings', '--input-type=module', '-e', script], { timeout: 30_000 }, (err, out, errOut) =>
        err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve({ stdout: out, stderr: errOut }),
      );
    });
    assert.equal(stdout.trim(), 'loaded', stderr);
  });
});
