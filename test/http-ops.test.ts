// The served OpenAPI document (generated from the zod schemas) describes every endpoint of the
// contract, its errors and security; /metrics serves Prometheus text with no id in any label.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { createApp } from '../src/http/app.js';
import { bearer, KEYS, startTestApp, type TestApp } from './support/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

/** every path and method of the HTTP contract (http-api.md) */
const CONTRACT: Array<[string, string]> = [
  ['post', '/v1/check'],
  ['post', '/v1/check/bulk'],
  ['get', '/v1/reps/{repId}/clients'],
  ['get', '/v1/clients/{type}/{id}/reps'],
  ['post', '/v1/businesses'],
  ['get', '/v1/businesses/{bn}'],
  ['patch', '/v1/businesses/{bn}'],
  ['post', '/v1/businesses/{bn}/suspend'],
  ['post', '/v1/businesses/{bn}/unsuspend'],
  ['post', '/v1/businesses/{bn}/cancel'],
  ['get', '/v1/businesses/{bn}/employees'],
  ['put', '/v1/businesses/{bn}/employees/{repId}'],
  ['delete', '/v1/businesses/{bn}/employees/{repId}'],
  ['post', '/v1/businesses/{bn}/employees/{repId}/disassociate'],
  ['post', '/v1/businesses/{bn}/employees/{repId}/reassociate'],
  ['put', '/v1/businesses/{bn}/employees/{repId}/privileges/{privilege}'],
  ['delete', '/v1/businesses/{bn}/employees/{repId}/privileges/{privilege}'],
  ['post', '/v1/businesses/{bn}/groups'],
  ['delete', '/v1/businesses/{bn}/groups/{groupId}'],
  ['put', '/v1/businesses/{bn}/groups/{groupId}/employees/{repId}'],
  ['delete', '/v1/businesses/{bn}/groups/{groupId}/employees/{repId}'],
  ['put', '/v1/businesses/{bn}/groups/{groupId}/clients/{type}/{id}'],
  ['delete', '/v1/businesses/{bn}/groups/{groupId}/clients/{type}/{id}'],
  ['post', '/v1/businesses/{bn}/groups/{groupId}/clients'],
  ['put', '/v1/clients/{type}/{id}/authorizations/business/{bn}'],
  ['put', '/v1/clients/{type}/{id}/authorizations/rep/{repId}'],
  ['delete', '/v1/clients/{type}/{id}/authorizations/business/{bn}'],
  ['delete', '/v1/clients/{type}/{id}/authorizations/rep/{repId}'],
  ['get', '/v1/clients/{type}/{id}/authorizations'],
  ['post', '/v1/businesses/{bn}/authorization-requests'],
  ['post', '/v1/clients/{type}/{id}/authorization-requests/business/{bn}/confirm'],
  ['get', '/healthz'],
  ['get', '/readyz'],
  ['get', '/metrics'],
  ['get', '/openapi.json'],
  ['get', '/v1/schema'],
  ['post', '/v1/explain'],
  ['get', '/v1/export'],
  ['post', '/v1/import'],
];

describe('GET /openapi.json', () => {
  type Op = { security?: unknown[]; responses: Record<string, { description: string }>; parameters?: Array<{ name: string; in: string }>; requestBody?: unknown };
  let doc: { openapi: string; paths: Record<string, Record<string, Op>>; components: { securitySchemes: Record<string, unknown> } };
  beforeAll(async () => {
    const res = await request(t.app).get('/openapi.json');
    expect(res.status).toBe(200);
    doc = res.body;
  });

  it('is OpenAPI 3.1 with bearer security', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.securitySchemes.bearerAuth).toEqual({ type: 'http', scheme: 'bearer' });
  });

  it.each(CONTRACT)('describes %s %s', (method, path) => {
    const op = doc.paths[path]?.[method];
    expect(op).toBeDefined();
    const statuses = Object.keys(op!.responses);
    expect(statuses.some((s) => s.startsWith('2'))).toBe(true);
    expect(statuses).toContain('500');
    for (const name of path.match(/\{(\w+)\}/g) ?? []) {
      expect(op!.parameters).toContainEqual(expect.objectContaining({ name: name.slice(1, -1), in: 'path' }));
    }
    if (path.startsWith('/v1/')) {
      expect(op!.security).toEqual([{ bearerAuth: [] }]);
      expect(statuses).toEqual(expect.arrayContaining(['401', '403', '503']));
    }
  });

  it('gives examples (the demo firm) that the service accepts as they are', async () => {
    type Example = { example?: unknown; schema?: { example?: unknown } };
    type Full = { parameters?: Array<{ name: string; in: string; schema?: { example?: unknown } }>; requestBody?: { content: Record<string, Example> } };
    const paths = doc.paths as unknown as Record<string, Record<string, Full>>;
    const bodies = Object.entries(paths).flatMap(([path, ops]) =>
      Object.entries(ops).flatMap(([method, op]) => (op.requestBody?.content['application/json']?.example ? [{ path, method, body: op.requestBody.content['application/json'].example }] : [])),
    );
    expect(bodies.map((b) => b.path).sort()).toEqual(['/v1/check', '/v1/check/bulk', '/v1/explain']);
    for (const { path, body } of bodies) {
      const res = await request(t.app).post(path).set(bearer(KEYS.check)).send(body as object);
      expect([path, res.status]).toEqual([path, 200]);
      if (path === '/v1/check/bulk') expect(res.body.results.every((r: object) => 'allowed' in r)).toBe(true);
    }
    // every path parameter of a lookup has an example, and together they make a valid request
    const reps = paths['/v1/clients/{type}/{id}/reps']!.get!;
    const ex = Object.fromEntries(reps.parameters!.filter((p) => p.in === 'path').map((p) => [p.name, p.schema?.example]));
    expect((await request(t.app).get(`/v1/clients/${ex.type}/${ex.id}/reps`).set(bearer(KEYS.check))).status).toBe(200);
    const clients = paths['/v1/reps/{repId}/clients']!.get!;
    const repId = clients.parameters!.find((p) => p.name === 'repId')?.schema?.example;
    expect((await request(t.app).get(`/v1/reps/${repId}/clients`).set(bearer(KEYS.check))).status).toBe(200);
  });

  it('lists 405 and 415 on every operation (another method; a body of a type it cannot read), 413 but on the import', () => {
    const statuses = (path: string, method: string) => Object.keys(doc.paths[path]![method]!.responses);
    for (const [path, method] of [['/v1/check', 'post'], ['/v1/businesses/{bn}/employees/{repId}', 'put']] as const) {
      expect([path, statuses(path, method)]).toEqual([path, expect.arrayContaining(['413', '415'])]);
    }
    // the import is streamed, bound only per line (400)
    expect(statuses('/v1/import', 'post')).toContain('415');
    expect(statuses('/v1/import', 'post')).not.toContain('413');
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        expect([method, path, Object.keys(op.responses)]).toEqual([method, path, expect.arrayContaining(['405', '415'])]);
        // a body past 1 MiB, however sent, on a public page too
        if (path !== '/v1/import') expect([method, path, '413' in op.responses]).toEqual([method, path, true]);
      }
    }
    const ndjson = doc.paths['/v1/import']!.post!.requestBody as { content: Record<string, unknown> };
    expect(Object.keys(ndjson.content)).toEqual(['application/x-ndjson']);
  });

  it('declares the headers the service sends: X-Request-Id, and those of 401, 405, 429 and 503', () => {
    const check = doc.paths['/v1/check']!.post!.responses as Record<string, { headers?: Record<string, unknown> }>;
    expect(Object.keys(check['200']!.headers ?? {})).toEqual(['X-Request-Id']);
    expect(Object.keys(check['401']!.headers ?? {})).toEqual(['X-Request-Id', 'WWW-Authenticate']);
    expect(Object.keys(check['405']!.headers ?? {})).toEqual(['X-Request-Id', 'Allow']);
    expect(Object.keys(check['429']!.headers ?? {})).toEqual(['X-Request-Id', 'Retry-After', 'RateLimit', 'RateLimit-Policy']);
    expect(Object.keys(check['503']!.headers ?? {})).toEqual(['X-Request-Id', 'Retry-After']);
    expect(Object.keys(check['431']!.headers ?? {})).toEqual([]);
  });

  it('declares 409 on every admin write (its preconditions may meet a change)', () => {
    const writes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => Object.values(op.responses).some((r) => JSON.stringify(r).includes('RAC-Consistency-Token')))
        .filter(([, op]) => (op.parameters ?? []).some((p) => p.name === 'RAC-Actor'))
        .map(([method]) => `${method} ${path}`),
    );
    expect(writes.length).toBeGreaterThan(20);
    for (const w of writes) {
      const [method, path] = w.split(' ');
      expect({ op: w, has409: '409' in doc.paths[path!]![method!]!.responses }).toEqual({ op: w, has409: true });
    }
  });

  it('declares the 409 an import line that conflicts with the store gets, and the 408 of a request not received in time', () => {
    const imp = doc.paths['/v1/import']!.post!.responses as Record<string, { headers?: Record<string, unknown> }>;
    expect(Object.keys(imp)).toEqual(expect.arrayContaining(['400', '409']));
    // refused part-way, it says what it wrote
    expect(Object.keys(imp['409']!.headers ?? {})).toContain('RAC-Consistency-Token');
    // Node's HTTP server answers a request that took too long to arrive (any operation), before any handler: no request id
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) expect([method, path, '408' in op.responses]).toEqual([method, path, true]);
    }
    expect(Object.keys((doc.paths['/v1/check']!.post!.responses as Record<string, { headers?: Record<string, unknown> }>)['408']!.headers ?? {})).toEqual([]);
  });

  it('the public pages read no consistency token: a malformed RAC-At-Least-As-Fresh (a proxy forwarding headers) changes nothing', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics', '/openapi.json']) {
      const res = await request(t.app).get(path).set('RAC-At-Least-As-Fresh', '!!');
      expect([path, res.status]).toEqual([path, 200]);
    }
    // where a route reads it, it is still refused
    const check = await request(t.app).post('/v1/check').set(bearer(KEYS.check)).set('RAC-At-Least-As-Fresh', '!!').send({ rep: 'SREP001', permission: 'view_employees', business: '123456789' });
    expect(check.status).toBe(400);
  });

  it('names the actor header on admin operations', () => {
    const op = doc.paths['/v1/businesses/{bn}/employees/{repId}']!.put!;
    expect(op.parameters).toContainEqual(expect.objectContaining({ name: 'RAC-Actor', in: 'header', required: true }));
    expect(op.requestBody).toBeDefined();
  });
});

describe('GET /matrix', () => {
  it('renders the access matrix the schema gives, computed in the scratch store it was handed (no key needed)', async () => {
    const res = await request(t.app).get('/matrix');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    // a business function every role but the junior ones holds, and a cell only a privilege opens
    expect(res.text).toContain('<table');
    expect(res.text).toMatch(/view_client_list/);
    expect(res.text).toMatch(/individual_clients/);
    // the service's own store holds nothing of the made-up firm the matrix was computed with
    const exported = await request(t.app).get('/v1/export').set(bearer(KEYS.ops));
    expect(exported.status).toBe(200);
    expect(exported.text).not.toContain('R00AAAA');
  });

  it('requests arriving while it is computed share the one computation (one scratch engine, not one each)', async () => {
    let opened = 0;
    const app = createApp({
      ...t.deps,
      scratchStore: async (schema) => {
        opened++;
        return t.deps.scratchStore!(schema);
      },
    });
    const pages = await Promise.all([1, 2, 3, 4].map(() => request(app).get('/matrix')));
    expect(pages.map((p) => p.status)).toEqual([200, 200, 200, 200]);
    expect(new Set(pages.map((p) => p.text)).size).toBe(1);
    expect(opened).toBe(1);
    expect((await request(app).get('/matrix')).status).toBe(200);
    expect(opened).toBe(1); // kept for the schema
  }, 60_000);

  it('answers 503 where the process has no scratch store to compute it in', async () => {
    const { scratchStore: _none, ...without } = t.deps;
    const bare = createApp(without);
    const res = await request(bare).get('/matrix');
    expect(res.status).toBe(503);
  });
});

describe('GET /metrics', () => {
  it('serves request, SpiceDB and check metrics; no id reaches a label', async () => {
    const sin = '046454286';
    const checked = await request(t.app).post('/v1/check').set(bearer(KEYS.check)).send({ rep: 'METRIC1', permission: 'view', client: { type: 'individual', id: sin } }); // a rep no test file knows: denied at any revision
    expect(checked.status).toBe(200);
    await request(t.app).get(`/v1/clients/individual/${sin}/reps`).set(bearer(KEYS.check));
    await request(t.app).get(`/v1/clients/individual/${sin}/nothing`).set(bearer(KEYS.check));
    const res = await request(t.app).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toContain('rac_http_request_duration_seconds_bucket{le="0.001",method="POST",route="/v1/check",status="200"}');
    expect(res.text).toContain('route="/v1/clients/:type/:id/reps"');
    // single checks are coalesced into bulk calls
    expect(res.text).toMatch(/rac_spicedb_call_duration_seconds_count\{call="CheckBulkPermissions",outcome="ok"\} [1-9]/);
    expect(res.text).toMatch(/rac_check_outcomes_total\{outcome="denied"\} [1-9]/);
    expect(res.text).toMatch(/rac_check_batch_size_count [1-9]/);
    expect(res.text).not.toContain(sin);
  });

  it('labels a refused request with the full route it matched, as it labels an answered one', async () => {
    // refused in the route (400: body), by its scope (403) and with a wrong method (405): each
    // error goes through the app's error handler, outside the /v1 router
    expect((await request(t.app).post('/v1/check').set(bearer(KEYS.check)).send({ rep: 'METRIC1' })).status).toBe(400);
    expect((await request(t.app).get('/v1/export').set(bearer(KEYS.check))).status).toBe(403);
    expect((await request(t.app).delete('/v1/check').set(bearer(KEYS.check))).status).toBe(405);
    const res = await request(t.app).get('/metrics');
    expect(res.text).toContain('method="POST",route="/v1/check",status="400"}');
    expect(res.text).toContain('method="GET",route="/v1/export",status="403"}');
    expect(res.text).toContain('method="DELETE",route="/v1/check",status="405"}');
    // no label without the prefix the router is mounted at
    expect(res.text).not.toMatch(/route="\/(check|export)"/);
  });

  it('labels a request refused before its route (no key, an unreadable body) with the route its path falls under', async () => {
    const sin = '046454286';
    expect((await request(t.app).post('/v1/check/bulk').send({ checks: [] })).status).toBe(401);
    expect((await request(t.app).get(`/v1/clients/individual/${sin}/reps`).set('Authorization', 'Bearer wrong-key')).status).toBe(401);
    const unreadable = await request(t.app).post('/v1/explain').set(bearer(KEYS.check)).set('Content-Type', 'application/json').send('{"rep":');
    expect(unreadable.status).toBe(400);
    expect((await request(t.app).get('/v1/no-such-thing')).status).toBe(401);
    const res = await request(t.app).get('/metrics');
    expect(res.text).toContain('method="POST",route="/v1/check/bulk",status="401"}');
    expect(res.text).toContain('method="GET",route="/v1/clients/:type/:id/reps",status="401"}');
    expect(res.text).toContain('method="POST",route="/v1/explain",status="400"}');
    // a path no route declares stays unmatched; the SIN in a path never becomes a label
    expect(res.text).toContain('method="GET",route="(unmatched)",status="401"}');
    expect(res.text).not.toContain(sin);
  });
});
