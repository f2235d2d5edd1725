import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { ApiError } from './api-error';
import { ApiService, url } from './api.service';

describe('ApiService', () => {
  let api: ApiService;
  let http: HttpTestingController;

  beforeEach(() => {
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting()] });
    api = TestBed.inject(ApiService);
    http = TestBed.inject(HttpTestingController);
  });

  afterEach(() => http.verify());

  /** The rejection of `promise`, which must be an ApiError. */
  async function rejection(promise: Promise<unknown>): Promise<ApiError> {
    const err = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApiError);
    return err as ApiError;
  }

  it('sends list queries to /api/<resource> without empty parameters', async () => {
    const done = api.get<{ items: unknown[] }>('hosts', { q: '', limit: 25, offset: 50, sort: '-name', x: undefined });
    const req = http.expectOne((r) => r.url === '/api/hosts');
    expect(req.request.method).toBe('GET');
    expect(req.request.params.keys().sort()).toEqual(['limit', 'offset', 'sort']);
    expect(req.request.params.get('sort')).toBe('-name');
    req.flush({ items: [], total: 0, limit: 25, offset: 50 });
    expect(await done).toEqual({ items: [], total: 0, limit: 25, offset: 50 });
  });

  it('always sends a JSON body with POST, so the API accepts body-less actions', async () => {
    const done = api.post('auth/logout');
    const req = http.expectOne('/api/auth/logout');
    expect(req.request.method).toBe('POST');
    expect(req.request.body).toEqual({});
    expect(req.request.detectContentTypeHeader()).toBe('application/json');
    req.flush(null, { status: 204, statusText: 'No Content' });
    await done;
  });

  it('rethrows an API error body with its code, message and details', async () => {
    const done = rejection(api.post('hosts', { name: 'db' }));
    http
      .expectOne('/api/hosts')
      .flush({ code: 'CORE_API_NAME_TAKEN', message: 'Name already in use: db', details: { field: 'name' } }, { status: 409, statusText: 'Conflict' });
    const err = await done;
    expect(err.status).toBe(409);
    expect(err.code).toBe('CORE_API_NAME_TAKEN');
    expect(err.message).toBe('Name already in use: db');
    expect(err.fieldErrors()).toEqual({ name: 'Name already in use: db' });
  });

  it('reads field messages from TypeBox-style validation details', async () => {
    const done = rejection(api.put('hosts/3', { name: '' }));
    http.expectOne('/api/hosts/3').flush(
      {
        code: 'CORE_VALIDATION',
        message: 'Invalid request',
        details: [
          { path: '/name', message: 'Expected string length greater or equal to 1' },
          { path: '/description', message: 'Too long' },
        ],
      },
      { status: 400, statusText: 'Bad Request' },
    );
    const err = await done;
    expect(err.fieldErrors()).toEqual({ name: 'Expected string length greater or equal to 1', description: 'Too long' });
  });

  it('maps an unreachable core to a readable offline error', async () => {
    const done = rejection(api.get('auth/me'));
    http.expectOne('/api/auth/me').error(new ProgressEvent('error'), { status: 0, statusText: 'Unknown Error' });
    const err = await done;
    expect(err.status).toBe(0);
    expect(err.code).toBe('WEB_OFFLINE');
    expect(err.message).toMatch(/Cannot reach the Prophasis core/);
  });

  it('falls back to the HTTP status when the body is not an API error (a proxy page)', async () => {
    const done = rejection(api.delete('hosts/1'));
    http.expectOne('/api/hosts/1').flush('<html>Bad gateway</html>', { status: 502, statusText: 'Bad Gateway' });
    const err = await done;
    expect(err.code).toBe('WEB_HTTP_502');
    expect(err.message).toBe('Bad Gateway (HTTP 502)');
    expect(err.fieldErrors()).toEqual({});
  });

  it('parses an error body that arrived as JSON text', async () => {
    const done = rejection(api.get('hosts/9'));
    http.expectOne('/api/hosts/9').flush(JSON.stringify({ code: 'CORE_API_NOT_FOUND', message: 'Not found: host 9' }), { status: 404, statusText: 'Not Found' });
    const err = await done;
    expect(err.code).toBe('CORE_API_NOT_FOUND');
    expect(err.message).toBe('Not found: host 9');
  });

  it('normalises paths to /api/…', () => {
    expect(url('hosts')).toBe('/api/hosts');
    expect(url('/hosts/1')).toBe('/api/hosts/1');
    expect(url('/api/events')).toBe('/api/events');
  });
});
