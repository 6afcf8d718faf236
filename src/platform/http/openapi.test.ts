import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../../test/helpers/app.js';

let t: TestApp;
let doc: any;
before(async () => {
  t = await startTestApp();
  const res = await t.api('GET', '/openapi.json');
  assert.equal(res.status, 200);
  doc = res.body;
});
after(async () => { await t.close(); });

/** Every method and path the app serves, read from Fastify's route tree (`:id` written as OpenAPI's `{id}`). */
function servedRoutes(): { method: string; path: string }[] {
  const tree = t.app.printRoutes({ commonPrefix: false });
  const stack: string[] = [];
  const out: { method: string; path: string }[] = [];
  for (const line of tree.split('\n')) {
    const match = /^(.*?)(?:└──|├──) (.+?) \(([A-Z, ]+)\)$/.exec(line);
    if (!match) continue;
    const depth = match[1].length / 4;
    stack[depth] = (depth === 0 ? '' : stack[depth - 1].replace(/\/$/, '')) + (depth === 0 || match[2].startsWith('/') ? '' : '/') + match[2];
    stack.length = depth + 1;
    for (const method of match[3].split(', ')) if (method !== 'HEAD') out.push({ method, path: stack[depth].replace(/:(\w+)/g, '{$1}') });
  }
  return out;
}

const documented = (path: string) => path.startsWith('/api/') || path.startsWith('/health/') || path === '/metrics';

test('the document is OpenAPI 3.1 with bearer authentication and the problem schema', () => {
  assert.equal(doc.openapi, '3.1.0');
  assert.equal(doc.info.title, 'Atrium API');
  assert.deepEqual(doc.components.securitySchemes.bearer, { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  assert.ok(doc.components.schemas.Problem);
  assert.deepEqual(Object.keys(doc.components.schemas.Problem.properties).sort(), ['code', 'detail', 'errors', 'requestId', 'status', 'title', 'type']);
});

test('every API, health and metrics route the app serves is in /openapi.json', () => {
  const served = servedRoutes().filter((r) => documented(r.path));
  assert.ok(served.length >= 25, `found ${served.length} routes`);
  const missing = served.filter((r) => !doc.paths[r.path]?.[r.method.toLowerCase()]).map((r) => `${r.method} ${r.path}`);
  assert.deepEqual(missing, []);
});

test('every documented operation has a tag, a summary and a schema for each JSON response', () => {
  const problems: string[] = [];
  for (const [path, ops] of Object.entries<any>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(ops)) {
      const name = `${method.toUpperCase()} ${path}`;
      if (!op.tags?.length) problems.push(`${name}: no tag`);
      if (!op.summary) problems.push(`${name}: no summary`);
      const responses = Object.entries<any>(op.responses ?? {});
      if (!responses.some(([status]) => /^[123]/.test(status))) problems.push(`${name}: no success response`);
      for (const [status, response] of responses) {
        // No body to describe: switching protocols (the WebSocket), no content, redirects.
        if (status === '204' || /^[13]/.test(status)) continue;
        const content = response.content ?? {};
        if (!Object.values<any>(content).some((c) => c.schema)) problems.push(`${name}: ${status} has no schema`);
      }
      for (const param of (path.match(/\{(\w+)\}/g) ?? []).map((p) => p.slice(1, -1))) {
        if (!op.parameters?.some((p: any) => p.in === 'path' && p.name === param)) problems.push(`${name}: path parameter ${param} undocumented`);
      }
    }
  }
  assert.deepEqual(problems, []);
});

test('routes document their request bodies, query parameters and error responses', () => {
  const register = doc.paths['/api/v1/auth/register'].post;
  assert.deepEqual(Object.keys(register.requestBody.content['application/json'].schema.properties).sort(), ['displayName', 'email', 'password']);
  assert.ok(register.responses['409']);
  const users = doc.paths['/api/v1/users'].get;
  assert.deepEqual(users.parameters.filter((p: any) => p.in === 'query').map((p: any) => p.name).sort(), ['cursor', 'limit', 'role', 'search', 'status']);
  for (const status of ['400', '401', '403']) assert.ok(users.responses[status], `GET /api/v1/users documents ${status}`);
  assert.deepEqual(doc.paths['/api/v1/users/{id}/lock'].post.tags, ['users']);
});

test('/docs serves the interactive documentation', async () => {
  const res = await fetch(`${t.url}/docs`, { redirect: 'follow' });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/html/);
  assert.match(await res.text(), /swagger/i);
  const spec = await t.api('GET', '/docs/json');
  assert.equal(spec.status, 200);
  assert.deepEqual(Object.keys(spec.body.paths).sort(), Object.keys(doc.paths).sort());
});
