import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { silentLogger } from '@prophasis/protocol';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Type } from '@sinclair/typebox';
import { readCoreConfig } from '../../src/kernel/config.js';
import { startCore, type Core } from '../../src/main.js';
import { createTestApi, type TestApi } from './helpers.js';

const run = promisify(execFile);
const require = createRequire(import.meta.url);

interface Operation {
  operationId?: string;
  summary?: string;
  tags?: string[];
  security?: unknown[];
  parameters?: { in: string; name: string }[];
  requestBody?: unknown;
  responses?: Record<string, { content?: Record<string, { schema?: ErrorSchema }> }>;
}
type ErrorSchema = { $ref?: string; properties?: Record<string, unknown>; required?: string[] };
type Doc = { openapi: string; paths: Record<string, Record<string, Operation>>; components?: { schemas?: Record<string, ErrorSchema> } };

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);

function operationsOf(doc: Doc): { method: string; path: string; op: Operation }[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.has(method))
      .map(([method, op]) => ({ method: method.toUpperCase(), path, op })),
  );
}

/*
 * Issue 20, "an API people can generate clients from": the OpenAPI document of a real core
 * (`startCore`, so every feature's routes are in it, as in production) names every operation
 * with a stable operationId and a summary, declares the error answers, is valid OpenAPI 3.1 by a
 * maintained validator, and openapi-typescript turns it into types that a client compiles
 * against, and that a client compiled from them really talks to the core with.
 */
describe('the OpenAPI document (issue 20)', function () {
  this.timeout(180_000);
  let dir: string;
  let core: Core | undefined;
  let base: string;
  let doc: Doc;
  let ops: ReturnType<typeof operationsOf>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'prophasis-openapi-'));
    const config = readCoreConfig({ PROPHASIS_DATA_DIR: join(dir, 'data') }, { httpPort: 0, httpHost: '127.0.0.1', mqttPort: 0, mqttHost: '127.0.0.1', localMarketplace: false, logLevel: 'silent' });
    core = await startCore(config, silentLogger());
    base = `http://127.0.0.1:${core.httpPort}`;
    const res = await fetch(`${base}/api/docs/json`, { signal: AbortSignal.timeout(10_000) });
    assert.equal(res.status, 200);
    doc = (await res.json()) as Doc;
    ops = operationsOf(doc);
  });
  after(async () => {
    await core?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives every operation a unique camelCase operationId and a one-line summary in words', () => {
    assert.ok(ops.length > 100, `a full core has more than 100 operations, found ${ops.length}`);
    const missing = ops.filter(({ op }) => !op.operationId || !op.summary).map(({ method, path }) => `${method} ${path}`);
    assert.deepEqual(missing, [], 'operations without an operationId or a summary');
    const seen = new Map<string, string>();
    for (const { method, path, op } of ops) {
      const id = op.operationId!;
      assert.match(id, /^[a-z][a-zA-Z0-9]*$/, `${method} ${path}: operationId ${id} is not camelCase`);
      assert.equal(seen.get(id), undefined, `${id} is used by ${seen.get(id)} and ${method} ${path}`);
      seen.set(id, `${method} ${path}`);
      const summary = op.summary!;
      assert.ok(!summary.includes('\n') && summary.length <= 100, `${id}: the summary is one line: ${summary}`);
      assert.match(summary, /^[A-Z][a-z]+ /, `${id}: the summary starts with a verb in words: ${summary}`);
      assert.ok(!/[{}]|\/api\/|\/:/.test(summary), `${id}: the summary is words, not a URL: ${summary}`);
    }
  });

  it('names the CRUD resources\' operations after their kind, and the rest as documented', () => {
    const idOf = (method: string, path: string) => ops.find((o) => o.method === method && o.path === path)?.op.operationId;
    assert.equal(idOf('GET', '/api/hosts'), 'listHosts');
    assert.equal(idOf('POST', '/api/hosts'), 'createHost');
    assert.equal(idOf('GET', '/api/hosts/{id}'), 'getHost');
    assert.equal(idOf('PUT', '/api/hosts/{id}'), 'updateHost');
    assert.equal(idOf('DELETE', '/api/hosts/{id}'), 'deleteHost');
    assert.equal(idOf('GET', '/api/groups'), 'listGroups');
    assert.equal(idOf('DELETE', '/api/alerts/{id}'), 'deleteAlert');
    assert.equal(idOf('GET', '/api/users/{id}'), 'getUser');
    assert.equal(idOf('GET', '/api/reports/hosts/{id}'), 'getHostReport');
    assert.equal(idOf('POST', '/api/auth/login'), 'login');
    assert.equal(idOf('GET', '/metrics'), 'getMetrics');
  });

  it('declares a success answer, and the ApiErrorBody answers each operation can give: 400, 401, 403, 404, 500 where they apply', () => {
    const problems: string[] = [];
    // One shared error schema, referred to by every error answer.
    const shared = doc.components?.schemas?.['ApiErrorBody'];
    assert.deepEqual(shared?.required, ['code', 'message']);
    assert.match((shared as { description?: string }).description ?? '', /^Every error/);
    const errorBody = (schema: ErrorSchema | undefined) => schema?.$ref === '#/components/schemas/ApiErrorBody';
    const getHost = ops.find((o) => o.op.operationId === 'getHost')!.op.responses as Record<string, { description?: string }>;
    assert.match(getHost['401']!.description!, /API token is unknown, expired or revoked/);
    assert.equal(getHost['404']!.description, 'No such object');
    for (const { method, path, op } of ops) {
      const responses = op.responses ?? {};
      if (!Object.keys(responses).some((s) => s.startsWith('2'))) problems.push(`${op.operationId} (${method} ${path}): no success answer`);
      if (!path.startsWith('/api/') || path.startsWith('/api/docs')) continue;
      const expect = ['401', '500'];
      if (op.security?.length !== 0 || method !== 'GET') expect.push('403');
      if (path.includes('{')) expect.push('404');
      if (op.requestBody || op.parameters?.length) expect.push('400');
      if (method === 'POST' || method === 'PUT' || method === 'PATCH') expect.push('415');
      for (const status of expect) {
        if (!errorBody(responses[status]?.content?.['application/json']?.schema)) problems.push(`${op.operationId} (${method} ${path}): ${status}`);
      }
      for (const status of Object.keys(responses).filter((s) => Number(s) >= 400)) {
        if (!errorBody(responses[status]?.content?.['application/json']?.schema)) problems.push(`${op.operationId}: ${status} is not an ApiErrorBody`);
      }
    }
    assert.deepEqual(problems, []);
  });

  it('is valid OpenAPI 3.1 (@seriousme/openapi-schema-validator)', async () => {
    const validator = new Validator();
    const result = await validator.validate(doc as unknown as Record<string, unknown>);
    assert.equal(validator.version, '3.1');
    assert.deepEqual(result.errors ?? [], []);
    assert.equal(result.valid, true);
  });

  it('openapi-typescript (its CLI, as docs/api.md says) generates types a client compiles against and talks to the core with', async () => {
    const work = mkdtempSync(join(dir, 'client-'));
    // The command docs/api.md gives ("Generating a client"), against the running core's document.
    const cli = join(dirname(require.resolve('openapi-typescript/package.json')), 'bin', 'cli.js');
    await run(process.execPath, [cli, `${base}/api/docs/json`, '-o', join(work, 'prophasis-api.d.ts')], { cwd: work });
    assert.match(readFileSync(join(work, 'prophasis-api.d.ts'), 'utf8'), /export interface operations \{[\s\S]*listHosts: \{/);
    // A small client as the console could write one: typed by path and by operationId.
    writeFileSync(
      join(work, 'client.ts'),
      `import type { components, operations, paths } from './prophasis-api.js';

type HostPage = paths['/api/hosts']['get']['responses'][200]['content']['application/json'];
type Host = operations['getHost']['responses'][200]['content']['application/json'];
type NewHost = operations['createHost']['requestBody']['content']['application/json'];
type ApiError = operations['getHost']['responses'][404]['content']['application/json'];
type HostQuery = NonNullable<operations['listHosts']['parameters']['query']>;
type ErrorBody = components['schemas']['ApiErrorBody'];
export const oneErrorType = (e: ApiError): ErrorBody => e;

// The types are real, not any: each of these mistakes must be refused by the compiler.
// @ts-expect-error a host needs a name
export const nameless: NewHost = { description: 'no name' };
// @ts-expect-error a host has no field "nope"
export const nope = (h: Host) => h.nope;
// @ts-expect-error limit is a number
export const badQuery: HostQuery = { limit: 'ten' };

declare const process: { argv: string[] };
const [baseUrl = '', token = ''] = process.argv.slice(2);
const headers = { authorization: \`Bearer \${token}\`, 'content-type': 'application/json' };

async function createHost(body: NewHost): Promise<Host> {
  const res = await fetch(\`\${baseUrl}/api/hosts\`, { method: 'POST', headers, body: JSON.stringify(body) });
  if (res.status !== 201) throw new Error(\`createHost: \${res.status}\`);
  return (await res.json()) as Host;
}
async function listHosts(query: HostQuery): Promise<HostPage> {
  const params = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]));
  return (await (await fetch(\`\${baseUrl}/api/hosts?\${params}\`, { headers })).json()) as HostPage;
}
async function getHost(id: number): Promise<Host | ApiError> {
  return (await (await fetch(\`\${baseUrl}/api/hosts/\${id}\`, { headers })).json()) as Host | ApiError;
}

const created = await createHost({ name: 'web1', description: 'made by a generated client' });
const page = await listHosts({ q: 'web', limit: 10 });
const missing = await getHost(created.id + 1000);
console.log(JSON.stringify({ created: created.name, listed: page.items.map((h) => h.name), total: page.total, missing: 'code' in missing ? missing.code : null }));
`,
    );
    writeFileSync(
      join(work, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { strict: true, noEmit: true, target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', lib: ['es2022', 'dom'], types: [], skipLibCheck: false, noUnusedLocals: true },
        files: ['client.ts', 'prophasis-api.d.ts'],
      }),
    );
    writeFileSync(join(work, 'package.json'), JSON.stringify({ type: 'module' }));
    const tsc = require.resolve('typescript/bin/tsc');
    const compiled = await run(process.execPath, [tsc, '-p', join(work, 'tsconfig.json')]).catch((err: { stdout?: string }) => err);
    assert.equal('stdout' in compiled ? (compiled.stdout ?? '').trim() : '', '', 'the generated types and the client compile');

    // The compiled client against the real core, with an API token.
    const setup = await fetch(`${base}/api/setup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: new URL(core!.setupLink()!).searchParams.get('token'), name: 'owner', password: 'a sturdy first password' }),
    });
    assert.equal(setup.status, 201);
    const cookie = setup.headers.getSetCookie()[0]!.split(';')[0]!;
    const tokenRes = await fetch(`${base}/api/tokens`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify({ name: 'generated client', role: 'admin' }) });
    assert.equal(tokenRes.status, 201, await tokenRes.clone().text());
    const { token } = (await tokenRes.json()) as { token: string };
    const tsx = pathToFileURL(require.resolve('tsx')).href;
    const { stdout } = await run(process.execPath, ['--import', tsx, join(work, 'client.ts'), base, token], { cwd: work });
    assert.deepEqual(JSON.parse(stdout.trim()), { created: 'web1', listed: ['web1'], total: 1, missing: 'CORE_API_NOT_FOUND' });
  });
});

describe('the server shell completes what a route says of itself in the OpenAPI document', () => {
  let api: TestApi;
  before(async () => {
    api = await createTestApi('sqlite', {
      routes: [
        async (app) => {
          app.get('/made-up/:id/things', { config: { access: 'operator' }, schema: { summary: 'List made-up things' } }, async () => []);
          app.post<{ Body: { count: number; label: string } }>(
            '/made-up',
            { config: { access: 'public', audit: false }, schema: { summary: 'Make up a thing', body: Type.Object({ count: Type.Integer({ default: 1 }), label: Type.String() }, { additionalProperties: false }) } },
            async (request) => request.body,
          );
        },
      ],
    });
  });
  after(async () => api?.close());

  it('names an operation without an operationId from its method and URL, and declares the errors the shell gives', async () => {
    const doc = (await api.app.inject({ method: 'GET', url: '/api/docs/json' })).json() as Doc;
    const things = doc.paths['/api/made-up/{id}/things']!['get']!;
    assert.equal(things.operationId, 'getMadeUpByIdThings');
    assert.deepEqual(Object.keys(things.responses ?? {}).sort(), ['200', '401', '403', '404', '500']);
    const make = doc.paths['/api/made-up']!['post']!;
    assert.equal(make.operationId, 'postMadeUp');
    assert.deepEqual(make.security, [], 'a public route asks for no credentials');
    assert.deepEqual(Object.keys(make.responses ?? {}).sort(), ['200', '400', '401', '403', '413', '415', '500']);
    const body = (make.requestBody as { content: Record<string, { schema: { required?: string[] } }> }).content['application/json']!.schema;
    assert.deepEqual(body.required, ['label'], 'a field with a default is optional for a client');
  });

  it('leaves validation as written: the default is filled in, a missing field is a 400 naming it', async () => {
    const made = await api.app.inject({ method: 'POST', url: '/api/made-up', payload: { label: 'x' } });
    assert.equal(made.statusCode, 200);
    assert.deepEqual(made.json(), { count: 1, label: 'x' });
    const refused = await api.app.inject({ method: 'POST', url: '/api/made-up', payload: { count: 2 } });
    assert.equal(refused.statusCode, 400);
    assert.equal(refused.json().code, 'CORE_VALIDATION');
    assert.equal(refused.json().details.field, 'label');
  });
});
