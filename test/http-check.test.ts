// HTTP tests of the check API: authentication and scopes, bad input (400 naming the field, never
// a 5xx, never the SIN echoed), body limits, answers for known and unknown objects, bulk order
// and per-item errors, consistency tokens, and the logs (no SIN in any line).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import * as facts from '../src/domain/facts.js';
import { resolveClient } from '../src/domain/objects.js';
import { bearer, KEYS, startTestApp, type TestApp } from './support/app.js';
import type { Consistency } from '../src/domain/store-port.js';
import { openStore } from '../src/spicedb/index.js';
import { BACKEND, EMBEDDED, overriding, put, schemaText, serverConfig } from './support/store.js';

const BN = '123456789';
const SIN = '046454286'; // Luhn-valid
const BAD_SIN = '046454287'; // fails the Luhn check
const OTHER_SIN = '130692544';
let t: TestApp;
let token: string;

beforeAll(async () => {
  t = await startTestApp();
  const ind = resolveClient({ type: 'individual', sin: SIN }, t.pseudonymize);
  const biz = resolveClient({ type: 'business', bn: '987654321' }, t.pseudonymize);
  token = await put(t.store, [
    facts.registered(BN),
    facts.role(BN, 'SREP001', 'senior_rep'),
    facts.role(BN, 'JREP001', 'junior_rep'),
    facts.role(BN, 'OWNER01', 'owner'),
    ...facts.group(BN, 'g1'),
    ...facts.businessAuthorization(ind, BN, 2),
    ...facts.businessAuthorization(biz, BN, 2),
    facts.clientInGroup(biz, BN, 'g1'),
  ]);
});
afterAll(async () => {
  await t.close();
});

const check = (body: unknown, key = KEYS.check) => request(t.app).post('/v1/check').set(bearer(key)).send(body as object);
const fresh = () => ({ atLeastAsFresh: token });

describe('authentication and scopes', () => {
  it.each([
    ['no Authorization header', {}],
    ['an unknown key', bearer('not-a-known-key')],
    ['a malformed header', { Authorization: 'Basic abc' }],
    ['an empty bearer', { Authorization: 'Bearer ' }],
  ])('%s: 401 problem', async (_label, headers) => {
    const res = await request(t.app).post('/v1/check').set(headers).send({});
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(res.body).toMatchObject({ status: 401, type: '/problems/unauthenticated' });
  });

  it.each([
    ['admin', KEYS.admin],
    ['ops', KEYS.ops],
  ])('a key with only the %s scope: 403', async (_label, key) => {
    const res = await check({ rep: 'SREP001', permission: 'view', client: { type: 'individual', id: SIN } }, key);
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ status: 403, type: '/problems/forbidden-scope' });
    const schema = await request(t.app).get('/v1/schema').set(bearer(key));
    expect(schema.status).toBe(403);
  });

  it('a key holding several scopes, check among them, may check', async () => {
    const res = await check({ rep: 'SREP001', permission: 'view', client: { type: 'individual', id: SIN }, consistency: fresh() }, KEYS.all);
    expect(res.status).toBe(200);
    expect(res.body.allowed).toBe(true);
  });
});

describe('POST /v1/check answers', () => {
  it.each([
    ['a senior rep views an individual of the firm', { rep: 'SREP001', permission: 'view', client: { type: 'individual', id: SIN } }, true],
    ['lower-case RepIDs are upper-cased', { rep: 'srep001', permission: 'update', client: { type: 'individual', id: SIN } }, true],
    ['a junior rep does not update', { rep: 'JREP001', permission: 'update', client: { type: 'individual', id: SIN } }, false],
    ['a client fenced into a group', { rep: 'SREP001', permission: 'view', client: { type: 'business', id: '987654321' } }, false],
    ['the owner reaches the group', { rep: 'OWNER01', permission: 'view', client: { type: 'business', id: '987654321' } }, true],
    ['a business function', { rep: 'OWNER01', permission: 'manage_registration', business: BN }, true],
    ['a business function not held', { rep: 'SREP001', permission: 'manage_groups', business: BN }, false],
    ['an unknown rep', { rep: 'ZZZZZZZ', permission: 'view', client: { type: 'individual', id: SIN } }, false],
    ['an unknown individual', { rep: 'SREP001', permission: 'view', client: { type: 'individual', id: OTHER_SIN } }, false],
    ['an unknown trust', { rep: 'SREP001', permission: 'view', client: { type: 'trust', id: 'T99999999' } }, false],
    ['an unknown business', { rep: 'OWNER01', permission: 'manage_registration', business: '000000000' }, false],
  ])('%s', async (_label, body, allowed) => {
    const res = await check({ ...body, consistency: fresh() });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ allowed, checkedAt: expect.any(String) });
    expect(res.body.checkedAt.length).toBeGreaterThan(0);
  });

  it('accepts the pseudonym ref in place of the SIN', async () => {
    const ref = t.pseudonymize(SIN);
    const res = await check({ rep: 'SREP001', permission: 'view', client: { type: 'individual', id: ref }, consistency: fresh() });
    expect(res.body.allowed).toBe(true);
  });

  it('honours RAC-At-Least-As-Fresh and fullyConsistent: SpiceDB is asked with what the caller asked for', async () => {
    // an app over a store that records the consistency of every check reaching SpiceDB
    const inner = await openStore(BACKEND === 'server' ? serverConfig() : EMBEDDED, schemaText());
    const tok = await put(inner, [facts.registered(BN), facts.role(BN, 'SREP001', 'senior_rep'), facts.role(BN, 'JREP001', 'junior_rep'), facts.role(BN, 'OWNER01', 'owner')]);
    const seen: Consistency[] = [];
    const recording = overriding(inner, {
      check: (q, c) => (seen.push(c), inner.check(q, c)),
      checkBulk: (qs, c) => (seen.push(c), inner.checkBulk(qs, c)),
    });
    const r = await startTestApp({ store: recording });
    try {
      const ask = (rep: string, extra: object = {}) =>
        request(r.app).post('/v1/check').set(bearer(KEYS.check)).send({ rep, permission: 'manage_groups', business: BN, ...extra });
      // each a question not asked before, so no answer is taken from a cache
      expect((await ask('OWNER01', { consistency: { fullyConsistent: true } })).body.allowed).toBe(true);
      expect(seen.at(-1)).toEqual({ kind: 'fullyConsistent' });
      expect((await ask('SREP001').set('RAC-At-Least-As-Fresh', tok)).body.allowed).toBe(false);
      expect(seen.at(-1)).toEqual({ kind: 'atLeastAsFresh', token: tok });
      expect((await ask('JREP001', { consistency: { atLeastAsFresh: tok } })).body.allowed).toBe(false);
      expect(seen.at(-1)).toEqual({ kind: 'atLeastAsFresh', token: tok });
      const n = seen.length;
      expect((await ask('NOBODY1')).status).toBe(200);
      expect(seen.length).toBe(n + 1);
      // none asked: SpiceDB's minimize-latency, or (the decision cache, embedded) the newest write
      expect([{ kind: 'minimizeLatency' }, { kind: 'atLeastAsFresh', token: tok }]).toContainEqual(seen.at(-1));
    } finally {
      await r.close();
    }
  });
});

describe('bad input: 400 naming the field, never the SIN', () => {
  const ok = { rep: 'SREP001', permission: 'view', client: { type: 'individual', id: SIN } };
  it.each([
    ['missing rep', { permission: 'view', client: ok.client }, 'rep'],
    ['a RepID too short', { ...ok, rep: 'ABC' }, 'rep'],
    ['a RepID with a symbol', { ...ok, rep: 'ABC-123' }, 'rep'],
    ['a RepID that is a number', { ...ok, rep: 1234567 }, 'rep'],
    ['an unknown permission', { ...ok, permission: 'launch' }, 'permission'],
    ['a business function on a client', { ...ok, permission: 'manage_groups' }, 'permission'],
    ['a client permission on a business', { rep: 'OWNER01', permission: 'view', business: BN }, 'permission'],
    ['view_notices on a trust', { ...ok, permission: 'view_notices', client: { type: 'trust', id: 'T12345678' } }, 'permission'],
    ['a SIN failing its check digit', { ...ok, client: { type: 'individual', id: BAD_SIN } }, 'client.id'],
    ['a SIN with 8 digits', { ...ok, client: { type: 'individual', id: '04645428' } }, 'client.id'],
    ['a SIN with spaces', { ...ok, client: { type: 'individual', id: '046 454 286' } }, 'client.id'],
    ['a BN with letters', { rep: 'OWNER01', permission: 'manage_groups', business: '12345678A' }, 'business'],
    ['a business client id too long', { ...ok, client: { type: 'business', id: '1234567890' } }, 'client.id'],
    ['a trust number without T', { ...ok, client: { type: 'trust', id: '12345678' } }, 'client.id'],
    ['an unknown client type', { ...ok, client: { type: 'partnership', id: '123' } }, 'client.type'],
    ['both client and business', { ...ok, business: BN }, 'client'],
    ['neither client nor business', { rep: 'SREP001', permission: 'view' }, 'client'],
    ['an unknown field', { ...ok, extra: SIN }, 'extra'],
    ['an unknown field named like a SIN (not named)', { ...ok, [SIN]: 1 }, '(a field)'],
    ['an unknown field holding a SIN with other separators (not named)', { ...ok, ['046,454,286']: 1 }, '(a field)'],
    ['an unknown field holding a SIN after 56 characters (not named, not cut)', { ...ok, ['x'.repeat(56) + SIN]: 1 }, '(a field)'],
    ['an unknown client field', { ...ok, client: { ...ok.client, sin: SIN } }, 'client.sin'],
    ['a bad consistency', { ...ok, consistency: { atLeastAsFresh: 5 } }, 'consistency'],
    ['an array body', [ok], '(body)'],
  ])('%s', async (_label, body, field) => {
    const res = await check(body);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.type).toBe('/problems/validation');
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field);
    expect(res.text).not.toContain(SIN);
    expect(res.text).not.toContain(BAD_SIN);
  });

  it('unknown fields are each named, long names cut, at most 20 listed', async () => {
    const many = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`extra${i}`, 1]));
    const res = await check({ ...ok, ...many, ['x'.repeat(200)]: 1 });
    expect(res.status).toBe(400);
    expect(res.body.errors).toHaveLength(21);
    expect(res.body.errors[0]).toEqual({ path: 'extra0', message: 'is not a field here' });
    expect(res.body.errors[20]).toEqual({ path: '(body)', message: '11 more fields that are not fields here' });
    const long = await check({ ...ok, ['x'.repeat(200)]: 1 });
    expect(long.body.errors).toEqual([{ path: '(a field)', message: 'is not a field here' }]);
  });

  it('a JSON string body: 400 naming the body', async () => {
    // (a string sent as a form, supertest's default for one, is a 415: see below)
    const res = await request(t.app).post('/v1/check').set(bearer(KEYS.check)).set('Content-Type', 'application/json').send('"hello"');
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain('(body)');
  });

  it('malformed JSON: 400', async () => {
    const res = await request(t.app).post('/v1/check').set(bearer(KEYS.check)).set('Content-Type', 'application/json').send('{"rep": ');
    expect(res.status).toBe(400);
    expect(res.body.type).toBe('/problems/validation');
  });

  it('an unknown query parameter: 400 naming the query, not the body', async () => {
    const res = await request(t.app).get('/v1/reps/A1B2C3D/clients?foo=bar').set(bearer(KEYS.check));
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path: 'query.foo', message: 'is not a field here' }]);
  });

  it('a bad RAC-At-Least-As-Fresh header: 400', async () => {
    const res = await check(ok).set('RAC-At-Least-As-Fresh', 'not a token!');
    expect(res.status).toBe(400);
    expect(res.body.errors[0].path).toBe('headers.RAC-At-Least-As-Fresh');
  });

  it('a well-formed token SpiceDB never issued: 400 naming where it was sent, not a 5xx', async () => {
    const res = await check(ok).set('RAC-At-Least-As-Fresh', 'v');
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path: 'headers.RAC-At-Least-As-Fresh', message: 'is not a valid consistency token' }]);
    const inBody = await check({ ...ok, consistency: { atLeastAsFresh: 'v' } });
    expect(inBody.status).toBe(400);
    expect(inBody.body.errors).toEqual([{ path: 'consistency.atLeastAsFresh', message: 'is not a valid consistency token' }]);
    const lookup = await request(t.app).get('/v1/reps/A1B2C3D/clients').set(bearer(KEYS.check)).set('RAC-At-Least-As-Fresh', 'abc');
    expect(lookup.status).toBe(400);
    expect(lookup.body.errors).toEqual([{ path: 'headers.RAC-At-Least-As-Fresh', message: 'is not a valid consistency token' }]);
    const exported = await request(t.app).get('/v1/export').set(bearer(KEYS.ops)).set('RAC-At-Least-As-Fresh', 'abc');
    expect(exported.status).toBe(400);
    expect(exported.body.errors).toEqual([{ path: 'headers.RAC-At-Least-As-Fresh', message: 'is not a valid consistency token' }]);
  });

  it('a known path with another method: 405 with Allow', async () => {
    const res = await request(t.app).delete('/v1/check').set(bearer(KEYS.check));
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('POST');
    expect((await request(t.app).put('/healthz')).headers.allow).toBe('GET, HEAD');
  });

  it('a body over 1 MiB: 413', async () => {
    const big = { ...ok, rep: 'x'.repeat(1024 * 1024 + 10) };
    const res = await check(big);
    expect(res.status).toBe(413);
    expect(res.body.type).toBe('/problems/payload-too-large');
  });

  it.each([
    ['text/plain', 'post', '/v1/check'],
    ['application/octet-stream', 'post', '/v1/check/bulk'],
    ['text/plain', 'post', '/v1/businesses/555555555/suspend'],
    ['application/x-www-form-urlencoded', 'get', '/v1/reps/OWNER01/clients'],
  ] as const)('a %s body over 1 MiB to %s %s: 413', async (type, method, path) => {
    const res = await request(t.app)[method](path).set(bearer(KEYS.all)).set('RAC-Actor', 'rep:OWNER01').set('Content-Type', type).send('x'.repeat(2 * 1024 * 1024));
    expect(res.status).toBe(413);
    expect(res.body.type).toBe('/problems/payload-too-large');
  });

  it.each([
    ['text/plain', JSON.stringify(ok)],
    ['application/x-www-form-urlencoded', 'rep=SREP001&permission=view'],
    ['application/xml', '<check/>'],
  ])('a %s body to a route that takes JSON: 415', async (type, body) => {
    const res = await request(t.app).post('/v1/check').set(bearer(KEYS.check)).set('Content-Type', type).send(body);
    expect(res.status).toBe(415);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 415, type: '/problems/unsupported-media-type' });
    expect(res.body.detail).toContain('application/json');
  });

  it('no body at all to a route that takes one: still the 400 naming the body', async () => {
    const res = await request(t.app).post('/v1/check').set(bearer(KEYS.check));
    expect(res.status).toBe(400);
    expect(res.body.errors[0].path).toBe('(body)');
  });

  describe('a route that declares no body', () => {
    const privilege = (method: 'put' | 'delete', body?: object) => {
      const r = request(t.app)[method](`/v1/businesses/${BN}/employees/JREP001/privileges/mail`).set(bearer(KEYS.admin)).set('RAC-Actor', 'rep:OWNER01');
      return body === undefined ? r : r.send(body);
    };
    it.each([
      ['put', `/v1/businesses/${BN}/employees/JREP001/privileges/mail`, { expires: '2099-01-01T00:00:00Z' }],
      ['post', '/v1/businesses/555555555/suspend', { reason: 'x' }],
      ['post', '/v1/businesses/555555555/suspend', { [SIN]: 1 }],
      ['delete', `/v1/businesses/${BN}/employees/JREP001/privileges/mail`, { consistency: { fullyConsistent: true } }],
    ] as const)('%s %s with a field: 400 naming the field (a SIN-like name masked), nothing done', async (method, path, body) => {
      const res = await request(t.app)[method](path).set(bearer(KEYS.admin)).set('RAC-Actor', 'rep:OWNER01').send(body);
      expect(res.status).toBe(400);
      expect(res.body.type).toBe('/problems/validation');
      const name = Object.keys(body)[0]!;
      expect(res.body.errors).toEqual([{ path: name === SIN ? '(a field)' : name, message: 'is not a field here' }]);
      expect(res.text).not.toContain(SIN);
    });

    it('takes no body, an empty one or {}', async () => {
      expect((await privilege('delete')).status).toBe(204);
      expect((await privilege('delete', {})).status).toBe(204);
      const empty = await request(t.app)
        .delete(`/v1/businesses/${BN}/employees/JREP001/privileges/mail`)
        .set(bearer(KEYS.admin))
        .set('RAC-Actor', 'rep:OWNER01')
        .set('Content-Type', 'application/json')
        .send('');
      expect(empty.status).toBe(204);
    });
  });
});

describe('GET /v1/reps/{repId}/clients: the cursor belongs to its query', () => {
  const page = (repId: string, query: Record<string, string>) =>
    request(t.app).get(`/v1/reps/${repId}/clients`).query(query).set(bearer(KEYS.check)).set('RAC-At-Least-As-Fresh', token);
  const expectCursorRefused = (res: request.Response) => {
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.type).toBe('/problems/validation');
    expect(res.body.errors).toEqual([{ path: 'cursor', message: expect.any(String) }]);
  };
  const encode = (c: object) => Buffer.from(JSON.stringify(c)).toString('base64url');
  let cursor: string;
  beforeAll(async () => {
    const first = await page('OWNER01', { limit: '1' });
    expect(first.status).toBe(200);
    expect(first.body.clients).toHaveLength(1);
    cursor = first.body.nextCursor;
    expect(cursor).toEqual(expect.any(String));
  });

  it('resumes the query it came from, to the end', async () => {
    const seen: string[] = [];
    let next: string | null = cursor;
    for (let pages = 0; next && pages < 5; pages++) {
      const res = await page('OWNER01', { limit: '1', cursor: next });
      expect(res.status).toBe(200);
      seen.push(...res.body.clients.map((c: { type: string }) => c.type));
      next = res.body.nextCursor;
    }
    expect(next).toBeNull();
    expect(seen).toContain('business');
  });

  it('names no rep in clear', () => {
    expect(Buffer.from(cursor, 'base64url').toString('utf8')).not.toContain('OWNER01');
  });

  it.each([
    ['another limit', 'OWNER01', { limit: '2' }],
    ['a type filter', 'OWNER01', { limit: '1', type: 'trust' }],
    ['another permission', 'OWNER01', { limit: '1', permission: 'list' }],
    ['another rep', 'SREP001', { limit: '1' }],
  ])('reused with %s: 400 naming the cursor', async (_label, repId, query) => {
    expectCursorRefused(await page(repId, { ...query, cursor }));
  });

  it.each([
    ['a forged cursor', () => encode({ t: 0, c: 'abc' })],
    ['a forged cursor past the types', () => encode({ t: 2 })],
    ['not base64 JSON', () => 'not-a-cursor'],
    ['its own binding with a cursor SpiceDB never issued', () => encode({ ...JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')), c: 'abc' })],
    // a revision of one's choosing would list the rep's clients as they were then (a revoked
    // authorization's among them), while SpiceDB keeps it: the cursor is signed
    ['its own fields with another revision to read the next type at', () => encode({ ...JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')), t: 1, c: undefined, x: undefined, s: token })],
    ['its own fields without their signature', () => encode({ ...JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')), m: undefined })],
    ['its own fields with another cursor\'s signature', () => encode({ ...JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')), t: 1, c: undefined })],
  ])('%s: 400 naming the cursor', async (_label, forged) => {
    expectCursorRefused(await page('OWNER01', { limit: '1', cursor: forged() }));
  });
});

describe('POST /v1/check/bulk', () => {
  const bulk = (body: unknown) => request(t.app).post('/v1/check/bulk').set(bearer(KEYS.check)).send(body as object);

  it('answers in request order, with a problem for each bad item', async () => {
    const res = await bulk({
      consistency: fresh(),
      checks: [
        { rep: 'SREP001', permission: 'view', client: { type: 'individual', id: SIN } },
        { rep: 'JREP001', permission: 'update', client: { type: 'individual', id: SIN } },
        { rep: 'SREP001', permission: 'view', client: { type: 'individual', id: BAD_SIN } },
        { rep: 'OWNER01', permission: 'manage_registration', business: BN },
        { rep: 'ZZZZZZZ', permission: 'view', client: { type: 'trust', id: 'T12345678' } },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.results).toEqual([
      { allowed: true },
      { allowed: false },
      { error: expect.objectContaining({ status: 400, errors: [{ path: 'checks.2.client.id', message: expect.any(String) }] }) },
      { allowed: true },
      { allowed: false },
    ]);
    expect(res.body.checkedAt).toEqual(expect.any(String));
    expect(res.text).not.toContain(BAD_SIN);
  });

  it('takes 1000 checks and refuses 0 or 1001', async () => {
    const item = { rep: 'SREP001', permission: 'view', client: { type: 'individual', id: SIN } };
    const full = await bulk({ checks: Array(1000).fill(item), consistency: fresh() });
    expect(full.status).toBe(200);
    expect(full.body.results).toHaveLength(1000);
    expect(full.body.results.every((r: { allowed?: boolean }) => r.allowed === true)).toBe(true);
    expect((await bulk({ checks: [] })).status).toBe(400);
    expect((await bulk({ checks: Array(1001).fill(item) })).status).toBe(400);
  });

  it('a bulk of only bad items answers each with its problem', async () => {
    const res = await bulk({ checks: [{ rep: 'bad' }] });
    expect(res.status).toBe(200);
    expect(res.body.results[0].error.status).toBe(400);
  });
});

describe('operations endpoints', () => {
  it('GET /healthz and /readyz need no key', async () => {
    expect((await request(t.app).get('/healthz')).status).toBe(200);
    const ready = await request(t.app).get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', backend: BACKEND });
  });

  it('GET /readyz is 503 while SpiceDB holds another schema than the service wrote (another instance wrote an older one)', async () => {
    const { createApp } = await import('../src/http/app.js');
    // the schema this service expects differs from the one SpiceDB serves
    const other = createApp({ ...t.deps, expectedSchema: () => `${schemaText()}\n// another version` });
    const res = await request(other).get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ status: 'not ready', backend: BACKEND });
  });

  it('GET /v1/schema serves the schema SpiceDB holds, as text', async () => {
    const res = await request(t.app).get('/v1/schema').set(bearer(KEYS.check));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toContain('definition individual_client');
    expect(res.text).toContain('permission view_notices');
  });

  it('an unknown path: 404 problem (after authentication)', async () => {
    const res = await request(t.app).get('/v1/nothing-here').set(bearer(KEYS.check));
    expect(res.status).toBe(404);
    expect(res.body.type).toBe('/problems/not-found');
  });

  it('sets security headers and a request id', async () => {
    const res = await request(t.app).get('/healthz').set('X-Request-Id', 'abc-123');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['x-request-id']).toBe('abc-123');
  });

  it('every answer, a check included, is no-store with the security headers and carries no ETag', async () => {
    const res = await request(t.app)
      .post('/v1/check')
      .set(bearer(KEYS.check))
      .send({ rep: 'SREP001', permission: 'view', client: { type: 'business', id: '987654321' } });
    expect(res.status).toBe(200);
    expect(res.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
      'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
    });
    expect(res.headers.etag).toBeUndefined();
  });
});

describe('logs', () => {
  it('no log line ever contains a SIN, and secrets are not logged', async () => {
    // SINs in bodies (valid, invalid, as unknown keys) and in URLs
    await check({ rep: 'SREP001', permission: 'view', client: { type: 'individual', id: SIN } });
    await check({ rep: 'SREP001', permission: 'view', client: { type: 'individual', id: BAD_SIN } });
    await check({ [OTHER_SIN]: SIN });
    await request(t.app).get(`/v1/clients/individual/${SIN}/reps`).set(bearer(KEYS.check));
    await request(t.app).get(`/v1/clients/individual/${SIN}/reps`).set(bearer('wrong-key'));
    await request(t.app).get(`/nothing/${OTHER_SIN}?sin=${SIN}`);
    const all = t.logs.join('');
    expect(t.logs.length).toBeGreaterThan(5);
    for (const sin of [SIN, BAD_SIN, OTHER_SIN]) expect(all).not.toContain(sin);
    for (const secret of Object.values(KEYS)) expect(all).not.toContain(secret);
    // the lines say what happened, by route pattern
    expect(all).toContain('"route":"/v1/check"');
  });
});
