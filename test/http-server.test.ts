// The service's HTTP server (createHttpServer) makes its requests and responses with the app's own
// prototypes, so Express's per-request Object.setPrototypeOf changes nothing; these tests hold that
// it does, and that the app answers through it exactly as through a plain Node server (what
// supertest uses for the rest of the suite), for each kind of answer the API gives.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpServer } from '../src/http/server.js';
import { Api } from './support/api.js';
import { bearer, KEYS, startTestApp, type TestApp } from './support/app.js';

let t: TestApp;
let api: Api;
let service: Server;
let plain: Server;
let serviceBase: string;
let plainBase: string;
const seen: Array<{ req: boolean; res: boolean }> = [];
const BN = '135792468';
const OWNER = 'SRVOWN1';

const listen = (server: Server) => new Promise<string>((r) => server.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
const close = (server: Server) => new Promise<void>((r) => server.close(() => r()));

beforeAll(async () => {
  t = await startTestApp();
  api = new Api(t.app);
  await api.ok(201, `rep:${OWNER}`, 'post', '/v1/businesses', { bn: BN, name: 'Server Parity Ltd' });
  await api.ok(201, `rep:${OWNER}`, 'put', `/v1/businesses/${BN}/employees/SRVREP1`, { role: 'junior_rep' });
  service = createHttpServer(t.app);
  plain = createServer(t.app);
  // runs before the app: what Express will find when it sets its prototypes
  for (const server of [service, plain]) {
    server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
      seen.push({ req: Object.getPrototypeOf(req) === t.app.request, res: Object.getPrototypeOf(res) === t.app.response });
    });
  }
  [serviceBase, plainBase] = await Promise.all([listen(service), listen(plain)]);
});
afterAll(async () => {
  await Promise.all([close(service), close(plain)]);
  await t.close();
});

/** what a caller sees of an answer, less what differs by request (its id, the date, the rate window's count) */
async function answer(base: string, path: string, init: RequestInit) {
  const res = await fetch(`${base}${path}`, init);
  const headers = Object.fromEntries([...res.headers].filter(([name]) => !['date', 'x-request-id', 'ratelimit', 'ratelimit-remaining', 'ratelimit-reset', 'keep-alive', 'connection'].includes(name)));
  return { status: res.status, headers, body: await res.text() };
}

const json = (key: string, body: string) => ({ method: 'POST', headers: { ...bearer(key), 'Content-Type': 'application/json', 'RAC-At-Least-As-Fresh': api.token! }, body });
const CASES: Array<[string, string, () => RequestInit]> = [
  ['an allowed check', '/v1/check', () => json(KEYS.check, JSON.stringify({ rep: OWNER, permission: 'view_employees', business: BN }))],
  ['a denied check', '/v1/check', () => json(KEYS.check, JSON.stringify({ rep: 'SRVREP1', permission: 'manage_employees', business: BN }))],
  ['a bulk check with a bad item', '/v1/check/bulk', () => json(KEYS.check, JSON.stringify({ checks: [{ rep: 'SRVREP1', permission: 'view_employees', business: BN }, { rep: 1 }] }))],
  ['no key: 401', '/v1/check', () => ({ method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' })],
  ['a key without the scope: 403', '/v1/check', () => json(KEYS.admin, '{}')],
  ['malformed JSON: 400', '/v1/check', () => json(KEYS.check, '{"rep":')],
  ['an invalid body: 400', '/v1/check', () => json(KEYS.check, JSON.stringify({ rep: 'SRVREP1', permission: 'fly', business: BN }))],
  ['another media type: 415', '/v1/check', () => ({ method: 'POST', headers: { ...bearer(KEYS.check), 'Content-Type': 'text/plain' }, body: 'rep' })],
  ['a method the path does not take: 405', '/v1/check', () => ({ method: 'GET', headers: bearer(KEYS.check) })],
  ['no such path: 404', '/v1/nowhere', () => ({ method: 'GET', headers: bearer(KEYS.check) })],
  ['a read with an actor', `/v1/businesses/${BN}`, () => ({ method: 'GET', headers: { ...bearer(KEYS.admin), 'RAC-Actor': `rep:${OWNER}`, 'RAC-At-Least-As-Fresh': api.token! } })],
  ['a streamed lookup', `/v1/reps/${OWNER}/clients?permission=view&limit=2`, () => ({ method: 'GET', headers: { ...bearer(KEYS.check), 'RAC-At-Least-As-Fresh': api.token! } })],
  ['HEAD of a public page', '/healthz', () => ({ method: 'HEAD' })],
  ['the OpenAPI document', '/openapi.json', () => ({ method: 'GET' })],
];

describe("the service's HTTP server", () => {
  it("hands Express requests and responses made with the app's prototypes, so Express does not change them", async () => {
    seen.length = 0;
    const res = await fetch(`${serviceBase}/v1/check`, json(KEYS.check, JSON.stringify({ rep: OWNER, permission: 'view_employees', business: BN })));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ allowed: true });
    // a plain Node server's are Node's own: Express changes each of them
    await (await fetch(`${plainBase}/healthz`)).text();
    expect(seen).toEqual([
      { req: true, res: true },
      { req: false, res: false },
    ]);
  });

  it.each(CASES)('%s: the same answer as through a plain Node server', async (_name, path, init) => {
    const a = await answer(serviceBase, path, init());
    const b = await answer(plainBase, path, init());
    expect(a).toEqual(b);
    expect(a.status).toBeGreaterThanOrEqual(200);
  });
});
