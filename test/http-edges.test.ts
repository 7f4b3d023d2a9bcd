// The HTTP front at its edges: the auth scheme's case, bodies sent where none is taken (of another
// type, chunked, large), the 403 before any body error, the 415 of an unreadable charset, the
// 429's Retry-After, and lookup cursors across consistency headers.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { Api } from './support/api.js';
import { bearer, KEYS, startTestApp, type TestApp } from './support/app.js';
import { chunked } from './support/chunked.js';

let t: TestApp;
let api: Api;
const BN = '246813579';
const OWNER = 'EDGOWN1';

beforeAll(async () => {
  t = await startTestApp();
  api = new Api(t.app);
  await api.ok(201, `rep:${OWNER}`, 'post', '/v1/businesses', { bn: BN, name: 'Edges Ltd' });
  await api.ok(201, `rep:${OWNER}`, 'put', `/v1/businesses/${BN}/employees/EDGREP1`, { role: 'junior_rep' });
});
afterAll(async () => {
  await t.close();
});

const status = async () => (await api.ok(200, `rep:${OWNER}`, 'get', `/v1/businesses/${BN}`)).body.status as string;

describe('the HTTP front at its edges', () => {
  it('the Bearer scheme in any case (RFC 9110: schemes are case-insensitive); the key itself is not', async () => {
    const body = { rep: 'EDGREP1', permission: 'view_employees', business: BN };
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      const res = await request(t.app).post('/v1/check').set('Authorization', `${scheme} ${KEYS.check}`).set('RAC-At-Least-As-Fresh', api.token!).send(body);
      expect([scheme, res.status]).toEqual([scheme, 200]);
    }
    const wrongKey = await request(t.app).post('/v1/check').set('Authorization', `Bearer ${KEYS.check.toUpperCase()}`).send(body);
    expect(wrongKey.status).toBe(401);
  });

  it('a body of another type to an operation that takes none: 415, nothing done', async () => {
    const res = await request(t.app)
      .put(`/v1/businesses/${BN}/employees/EDGREP1/privileges/mail`)
      .set(bearer(KEYS.admin))
      .set('RAC-Actor', `rep:${OWNER}`)
      .set('Content-Type', 'text/plain')
      .send('{"expires":"2030-01-01"}');
    expect(res.status).toBe(415);
    expect(res.body.type).toBe('/problems/unsupported-media-type');
    const employees = (await api.ok(200, `rep:${OWNER}`, 'get', `/v1/businesses/${BN}/employees`)).body.employees;
    expect(employees.find((e: { repId: string }) => e.repId === 'EDGREP1').privileges).toEqual([]);
  });

  it('a chunked body of 3 MB to an operation that takes none: refused as over 1 MiB (413, whatever its type, as with a Content-Length), nothing done, not read whole', async () => {
    const mb = Buffer.alloc(1024 * 1024, 'x');
    const res = await chunked(t.app, 'POST', `/v1/businesses/${BN}/suspend`, { ...bearer(KEYS.admin), 'RAC-Actor': `rep:${OWNER}`, 'Content-Type': 'text/plain' }, [mb, mb, mb]);
    expect(res.status).toBe(413);
    expect(await status()).toBe('active');
    // a check's body too; under 1 MiB, the same body's type is what is wrong (415)
    const check = await chunked(t.app, 'POST', '/v1/check', { ...bearer(KEYS.check), 'Content-Type': 'text/plain' }, [mb, mb]);
    expect(check.status).toBe(413);
    const small = await chunked(t.app, 'POST', '/v1/check', { ...bearer(KEYS.check), 'Content-Type': 'text/plain' }, [Buffer.from('hello')]);
    expect(small.status).toBe(415);
  });

  it('a chunked JSON body over 1 MiB: 413, nothing done', async () => {
    const big = Buffer.from(JSON.stringify({ name: 'x'.repeat(1100 * 1024) }));
    const res = await chunked(t.app, 'PATCH', `/v1/businesses/${BN}`, { ...bearer(KEYS.admin), 'RAC-Actor': `rep:${OWNER}`, 'Content-Type': 'application/json' }, [big]);
    expect(res.status).toBe(413);
    expect((await api.ok(200, `rep:${OWNER}`, 'get', `/v1/businesses/${BN}`)).body.name).toBe('Edges Ltd');
  });

  it("a key without the route's scope gets the 403, whatever its body", async () => {
    for (const [body, type] of [
      ['{', 'application/json'],
      [JSON.stringify({ x: 'y'.repeat(1100 * 1024) }), 'application/json'],
      ['{"rep":"EDGREP1"}', 'application/json; charset=latin1'],
      ['hello', 'text/plain'],
    ] as const) {
      const res = await request(t.app).post('/v1/check').set(bearer(KEYS.admin)).set('Content-Type', type).send(body);
      expect([type, body.length, res.status, res.body.type]).toEqual([type, body.length, 403, '/problems/forbidden-scope']);
    }
    const adminRoute = await request(t.app).post('/v1/businesses').set(bearer(KEYS.check)).set('Content-Type', 'application/json').send('{');
    expect(adminRoute.status).toBe(403);
    // with the scope, the body's own problems
    const bad = await request(t.app).post('/v1/check').set(bearer(KEYS.check)).set('Content-Type', 'application/json').send('{');
    expect(bad.status).toBe(400);
  });

  it('a charset the JSON parser cannot read: 415 unsupported-media-type', async () => {
    const res = await request(t.app).post('/v1/check').set(bearer(KEYS.check)).set('Content-Type', 'application/json; charset=latin1').send('{}');
    expect(res.status).toBe(415);
    expect(res.body).toMatchObject({ type: '/problems/unsupported-media-type', title: 'Unsupported media type', status: 415 });
  });
});

describe('lookup cursors and consistency', () => {
  const CLIENTS = ['T20000001', 'T20000002', 'T20000003'];
  beforeAll(async () => {
    for (const c of CLIENTS) await api.ok(201, `client:trust:${c}`, 'put', `/v1/clients/trust/${c}/authorizations/business/${BN}`, { level: 1 });
  });
  const page = (cursor: string | undefined, token?: string) => {
    let r = request(t.app).get(`/v1/reps/${OWNER}/clients?permission=view&type=trust&limit=1${cursor ? `&cursor=${cursor}` : ''}`).set(bearer(KEYS.check));
    if (token) r = r.set('RAC-At-Least-As-Fresh', token);
    return r;
  };
  const all = async (token?: string, later?: string | null) => {
    const ids = new Set<string>();
    let cursor: string | undefined;
    let first = true;
    for (let i = 0; i < 20; i++) {
      const res = await page(cursor, first ? token : (later ?? undefined));
      expect(res.status).toBe(200);
      for (const c of res.body.clients) ids.add(c.id);
      first = false;
      if (!res.body.nextCursor) break;
      cursor = res.body.nextCursor;
    }
    return [...ids].sort();
  };

  it('later pages that send no token take the first page’s', async () => {
    expect(await all(api.token, null)).toEqual(CLIENTS);
  });

  it('later pages that send the same token: the same list', async () => {
    expect(await all(api.token, api.token)).toEqual(CLIENTS);
  });

  it('a later page with another token: 400 naming the cursor, saying why', async () => {
    const first = await page(undefined, api.token);
    expect(first.body.nextCursor).toBeTruthy();
    const before = api.token;
    await api.ok(201, 'client:trust:T20000009', 'put', `/v1/clients/trust/T20000009/authorizations/business/${BN}`, { level: 1 });
    expect(api.token).not.toBe(before);
    const res = await page(first.body.nextCursor, api.token);
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path: 'cursor', message: 'was issued under another consistency' }]);
  });
});

// last: a second app opens its own store, which on the server backend wipes the shared one
describe('the rate limit', () => {
  it("429's Retry-After is when the key's window ends (the RateLimit header's reset)", async () => {
    const limited = await startTestApp({ rateLimitPerMinute: 2 });
    try {
      for (let i = 0; i < 2; i++) await request(limited.app).post('/v1/check').set(bearer(KEYS.check)).send({});
      // a while into the window, so that its end is no longer a minute away
      await new Promise((r) => setTimeout(r, 2100));
      const res = await request(limited.app).post('/v1/check').set(bearer(KEYS.check)).send({});
      expect(res.status).toBe(429);
      const reset = Number(/reset=(\d+)/.exec(String(res.headers['ratelimit']))?.[1]);
      const retryAfter = Number(res.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(Math.abs(retryAfter - reset)).toBeLessThanOrEqual(1);
    } finally {
      await limited.close();
    }
  });
});
