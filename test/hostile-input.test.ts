// Hostile input, by property (fast-check): wrong types, huge strings, unicode, prototype-pollution
// keys, deep nesting, in bodies, paths and headers of every kind of endpoint. Never a 5xx, never
// the SIN echoed, never a polluted prototype. Plus the per-key rate limit and header limits.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createHttpServer, MAX_HEADER_BYTES } from '../src/http/server.js';
import { bearer, KEYS, startTestApp, type TestApp } from './support/app.js';

const SIN = '046454286';
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

const deep = (n: number): unknown => (n === 0 ? SIN : { a: deep(n - 1) });
/** values a hostile caller might send anywhere a field goes */
const value: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue(),
  fc.constantFrom(SIN, `${SIN} `, 'A1B2C3D', '123456789', 'T12345678', '__proto__', '\u0000', 'ＡＢＣ１２３４', '🔥'.repeat(50)),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.integer({ min: 0, max: 5000 }).map((n) => 'x'.repeat(n * 50)),
  fc.integer({ min: 1, max: 200 }).map(deep),
);
const key = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'rep', 'permission', 'client', 'business', 'consistency', SIN), fc.string({ maxLength: 20 }));
const body: fc.Arbitrary<unknown> = fc.oneof(
  fc.dictionary(key, value, { maxKeys: 6 }),
  fc.record({ rep: value, permission: value, client: fc.oneof(value, fc.record({ type: value, id: value })) }, { requiredKeys: [] }),
  value,
);
/** printable header text (what an HTTP client can send) */
const headerText = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 300 });
const pathSegment = fc.oneof(fc.constantFrom(SIN, '123456789', 'A1B2C3D', 'individual', '..', '%2e%2e'), fc.string({ maxLength: 40 })).map((s) => encodeURIComponent(s));

function verdict(res: request.Response) {
  expect(res.status).toBeLessThan(500);
  expect(res.text).not.toContain(SIN);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
}
const send = (method: 'post' | 'put', path: string, b: unknown, headers: Record<string, string> = {}) =>
  request(t.app)[method](path).set(bearer(KEYS.all)).set(headers).set('Content-Type', 'application/json').send(JSON.stringify(b));

describe('by property: never a 5xx, never the SIN echoed', () => {
  it('POST /v1/check and /v1/explain with any body', async () => {
    await fc.assert(
      fc.asyncProperty(body, fc.constantFrom('/v1/check', '/v1/explain'), async (b, path) => verdict(await send('post', path, b))),
      { numRuns: 150 },
    );
  });

  it('POST /v1/check/bulk with any items', async () => {
    await fc.assert(fc.asyncProperty(fc.array(body, { maxLength: 20 }), async (checks) => verdict(await send('post', '/v1/check/bulk', { checks }))), { numRuns: 60 });
  });

  it('admin writes with any path, body and RAC-Actor', async () => {
    await fc.assert(
      fc.asyncProperty(pathSegment, pathSegment, body, headerText, async (bn, rep, b, actor) =>
        verdict(await send('put', `/v1/businesses/${bn}/employees/${rep}`, b, { 'RAC-Actor': actor })),
      ),
      { numRuns: 120 },
    );
  });

  it('lookups with any path and query', async () => {
    await fc.assert(
      fc.asyncProperty(pathSegment, pathSegment, fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 30 }), { maxKeys: 4 }), async (type, id, q) => {
        const qs = new URLSearchParams(q).toString();
        verdict(await request(t.app).get(`/v1/clients/${type}/${id}/reps?${qs}`).set(bearer(KEYS.all)));
        verdict(await request(t.app).get(`/v1/reps/${id}/clients?${qs}`).set(bearer(KEYS.all)));
      }),
      { numRuns: 100 },
    );
  });

  it('any consistency header', async () => {
    await fc.assert(
      fc.asyncProperty(headerText, async (token) =>
        verdict(await send('post', '/v1/check', { rep: 'A1B2C3D', permission: 'view', business: '123456789' }, { 'RAC-At-Least-As-Fresh': token })),
      ),
      { numRuns: 60 },
    );
  });

  it('prototype-pollution payloads change no prototype', async () => {
    const payload = '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"rep":"A1B2C3D"}';
    const res = await request(t.app).post('/v1/check').set(bearer(KEYS.all)).set('Content-Type', 'application/json').send(payload);
    expect(res.status).toBe(400);
    verdict(res);
  });
});

describe('limits', () => {
  it("headers over the service's limit (64 KiB) are refused by its HTTP server before any handler runs: 431 problem, no request logged", async () => {
    const server = createHttpServer(t.app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    try {
      const logged = t.logs.length;
      const big = await fetch(`http://127.0.0.1:${port}/v1/check`, {
        method: 'POST',
        headers: { ...bearer(KEYS.all), 'Content-Type': 'application/json', 'X-Filler': 'x'.repeat(MAX_HEADER_BYTES + 1024) },
        body: '{}',
      });
      expect(big.status).toBe(431);
      expect(big.headers.get('content-type')).toBe('application/problem+json');
      expect((await big.json()).type).toBe('/problems/headers-too-large');
      expect(t.logs.length).toBe(logged); // no handler ran: nothing was logged
      // under the limit (a 20 KB header, over Node's default 16 KiB) the request is served
      const fits = await fetch(`http://127.0.0.1:${port}/v1/check`, {
        method: 'POST',
        headers: { ...bearer(KEYS.all), 'Content-Type': 'application/json', 'X-Filler': 'x'.repeat(20_000) },
        body: '{}',
      });
      expect(fits.status).toBe(400); // the empty check is refused by validation, not by the server
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it("what Node refuses before any handler is answered as Node would: a request over the server's time is 408; an answer under way is never interrupted", () => {
    const server = createHttpServer(t.app);
    const refuse = (code: string, headersSent = false) => {
      let written: string | undefined;
      let destroyed = false;
      const socket = { writable: true, _httpMessage: headersSent ? { headersSent: true } : null, end: (s: string) => (written = s), destroy: () => (destroyed = true) };
      server.emit('clientError', Object.assign(new Error(code), { code }), socket);
      return { written, destroyed };
    };
    const timedOut = refuse('ERR_HTTP_REQUEST_TIMEOUT').written!;
    expect(timedOut).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(JSON.parse(timedOut.slice(timedOut.indexOf('\r\n\r\n') + 4))).toEqual({ type: '/problems/request-timeout', title: 'Request Timeout', status: 408 });
    expect(refuse('HPE_HEADER_OVERFLOW').written).toMatch(/^HTTP\/1\.1 431 /);
    expect(refuse('HPE_INVALID_METHOD').written).toMatch(/^HTTP\/1\.1 400 /);
    expect(refuse('ERR_HTTP_REQUEST_TIMEOUT', true)).toEqual({ written: undefined, destroyed: true });
  });

  it('each API key has its own request budget: 429 past it, other keys unaffected', async () => {
    const limited = await startTestApp({ rateLimitPerMinute: 5 });
    try {
      const statuses: number[] = [];
      const first = await request(limited.app).post('/v1/check').set(bearer(KEYS.check)).send({});
      statuses.push(first.status);
      // every answer says the key's budget (IETF draft-7 headers)
      expect(first.headers['ratelimit-policy']).toBe('5;w=60');
      expect(first.headers['ratelimit']).toMatch(/^limit=5, remaining=4, reset=(59|60)$/);
      for (let i = 1; i < 7; i++) statuses.push((await request(limited.app).post('/v1/check').set(bearer(KEYS.check)).send({})).status);
      expect(statuses.slice(0, 5).every((s) => s === 400)).toBe(true);
      expect(statuses.slice(5)).toEqual([429, 429]);
      const other = await request(limited.app).post('/v1/check').set(bearer(KEYS.all)).send({});
      expect(other.status).toBe(400);
      const res = await request(limited.app).post('/v1/check').set(bearer(KEYS.check)).send({});
      expect(res.headers['retry-after']).toBeDefined();
      expect(res.headers['ratelimit']).toMatch(/^limit=5, remaining=0, reset=\d+$/);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toEqual({ type: '/problems/rate-limited', title: 'Too many requests', status: 429, detail: 'This API key is limited to 5 requests a minute.' });
    } finally {
      await limited.close();
    }
  });
});
