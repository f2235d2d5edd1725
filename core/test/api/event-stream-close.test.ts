import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { createTestApi, type TestApi } from './helpers.js';

/**
 * A console left open keeps `GET /api/events` open for as long as the core runs. Stopping the
 * core must end that stream, not wait for the browser to go away: found by the soak bench (a
 * SIGTERM'd core with its event stream followed did not end within 30 s; docs/performance.md,
 * "Soak").
 */
describe('the event stream and a stopping server', function () {
  this.timeout(20_000);
  let api: TestApi | undefined;
  let res: IncomingMessage | undefined;
  afterEach(async () => {
    res?.destroy();
    await api?.close();
    api = res = undefined;
  });

  it('closing the server ends open event streams at once instead of waiting for their clients', async () => {
    api = await createTestApi('sqlite');
    await api.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = api.app.server.address() as { port: number };
    res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/api/events', headers: { cookie: api!.cookies.viewer, accept: 'text/event-stream' } }, resolve);
      req.on('error', reject);
      req.end();
    });
    assert.equal(res.statusCode, 200);
    res.setEncoding('utf8');
    let text = '';
    const stream = res;
    const ended = new Promise<void>((resolve) => stream.on('end', resolve).on('close', resolve));
    await new Promise<void>((resolve) => stream.on('data', (chunk: string) => (text += chunk).includes(': connected') && resolve()));

    const started = Date.now();
    const closed = await Promise.race([api.app.close().then(() => true), new Promise<false>((resolve) => setTimeout(() => resolve(false), 5_000))]);
    assert.equal(closed, true, 'app.close() did not resolve within 5 s while an event stream was open');
    await ended;
    assert.ok(Date.now() - started < 5_000);
    // The server is gone: a new request is not served.
    await assert.rejects(new Promise((resolve, reject) => httpRequest({ host: '127.0.0.1', port, path: '/api/health' }, resolve).on('error', reject).end()));
  });
});
