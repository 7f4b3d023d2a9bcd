// Fail closed when SpiceDB is up but its datastore is not: SpiceDB answers every request with an
// Internal error then ("unable to find revision: failed to connect"). rac-authz must read that as
// "SpiceDB cannot answer" (503 with Retry-After, /readyz 503), never as a yes, and recover by itself
// when Postgres is back. Postgres is taken away through a proxy that cuts its connections.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { startDelayProxy, type DelayProxy } from '../support/delay-proxy.js';
import { freePort, RAC_KEY, ready, startRacAuthz, startSpiceDb, waitFor, type Proc } from '../support/processes.js';

const procs: Proc[] = [];
let postgres: DelayProxy;
let httpPort: number;
afterAll(async () => {
  for (const p of procs) await p.kill();
  await postgres?.close();
});

async function call(method: string, path: string, actor?: string, body?: object, headers: Record<string, string> = {}) {
  const res = await fetch(`http://127.0.0.1:${httpPort}${path}`, {
    method,
    headers: { Authorization: `Bearer ${RAC_KEY}`, 'Content-Type': 'application/json', ...(actor ? { 'RAC-Actor': actor } : {}), ...headers },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, retryAfter: res.headers.get('retry-after'), token: res.headers.get('rac-consistency-token'), text };
}
const CHECK = { rep: 'PGOWNR1', permission: 'view', client: { type: 'trust', id: 'T13572468' } };
const FULLY = { ...CHECK, consistency: { fullyConsistent: true } };
let token = '';

beforeAll(async () => {
  const uri = new URL(process.env.SPICEDB_DATASTORE_URI ?? '');
  postgres = await startDelayProxy(Number(uri.port || 5432), uri.hostname);
  uri.host = `127.0.0.1:${postgres.port}`;
  const spicedbPort = await freePort();
  const spicedb = await startSpiceDb(spicedbPort, [], uri.toString());
  procs.push(spicedb);
  httpPort = await freePort();
  procs.push(startRacAuthz(httpPort, spicedbPort));
  await waitFor('rac-authz ready', () => ready(httpPort), 60_000);
  expect((await call('POST', '/v1/businesses', 'rep:PGOWNR1', { bn: '864213579', name: 'Outage' })).status).toBe(201);
  const a = await call('PUT', '/v1/clients/trust/T13572468/authorizations/business/864213579', 'client:trust:T13572468', { level: 1 });
  expect(a.status).toBe(201);
  token = a.token!;
  expect(JSON.parse((await call('POST', '/v1/check', undefined, FULLY)).text).allowed).toBe(true);
}, 120_000);

it('Postgres gone under SpiceDB: checks and writes 503 with Retry-After, /readyz 503, never allowed', async () => {
  postgres.cut(true);
  const answers = [
    await call('POST', '/v1/check', undefined, FULLY),
    await call('POST', '/v1/check', undefined, CHECK, { 'RAC-At-Least-As-Fresh': token }),
    await call('POST', '/v1/check/bulk', undefined, { checks: [CHECK, CHECK], consistency: { fullyConsistent: true } }),
    await call('PUT', '/v1/businesses/864213579/employees/PGSREP1', 'rep:PGOWNR1', { role: 'senior_rep' }),
  ];
  for (const r of answers) {
    expect({ status: r.status, retryAfter: r.retryAfter }).toEqual({ status: 503, retryAfter: '1' });
    expect(r.text).not.toContain('"allowed":true');
    expect(r.text).not.toMatch(/postgres|racauthz|failed to connect/i); // SpiceDB's words stay in the log
  }
  expect((await fetch(`http://127.0.0.1:${httpPort}/readyz`)).status).toBe(503);
  process.stdout.write(`datastore outage: ${answers.length} requests sent, all 503 with Retry-After, 0 allowed\n`);
}, 60_000);

it('recovers without a restart once Postgres is back', async () => {
  postgres.cut(false);
  const t0 = Date.now();
  await waitFor('rac-authz ready again', () => ready(httpPort), 60_000);
  // SpiceDB's pool may still hand out a connection the cut left dead: a few more 503s, then writes land
  const put = () => call('PUT', '/v1/businesses/864213579/employees/PGSREP1', 'rep:PGOWNR1', { role: 'senior_rep' });
  await waitFor('a write to land', async () => [200, 201].includes((await put()).status), 60_000);
  await waitFor('a check to answer', async () => (await call('POST', '/v1/check', undefined, FULLY)).status === 200, 60_000);
  expect(JSON.parse((await call('POST', '/v1/check', undefined, FULLY)).text).allowed).toBe(true);
  expect((await put()).status).toBe(200); // landed once, the same role again changes nothing
  process.stdout.write(`datastore outage: recovered ${Date.now() - t0} ms after Postgres was back\n`);
}, 90_000);
