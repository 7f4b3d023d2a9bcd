// Fail closed and recover, against real processes: SpiceDB killed mid-run, SpiceDB slower than the
// deadline, SpiceDB brought back, and rac-authz started while SpiceDB is down. Through all of it
// no check says yes without SpiceDB's answer, and rac-authz recovers without a restart.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { startDelayProxy, type DelayProxy } from '../support/delay-proxy.js';
import { freePort, RAC_KEY, ready, startRacAuthz, startSpiceDb, waitFor, type Proc } from '../support/processes.js';

const procs: Proc[] = [];
let spicedbPort: number;
let proxy: DelayProxy;
let httpPort: number;
let spicedb: Proc;
afterAll(async () => {
  for (const p of procs) await p.kill();
  await proxy?.close();
});

async function call(method: string, path: string, actor?: string, body?: object) {
  const res = await fetch(`http://127.0.0.1:${httpPort}${path}`, {
    method,
    headers: { Authorization: `Bearer ${RAC_KEY}`, 'Content-Type': 'application/json', ...(actor ? { 'RAC-Actor': actor } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.text()) || '{}' };
}
const CHECK = { rep: 'FOWNER1', permission: 'view', client: { type: 'trust', id: 'T24681357' }, consistency: { fullyConsistent: true } };
const tally = { sent: 0, faults: 0, allowedWithoutSpiceDb: 0, fiveHundreds: 0 };
async function checkDuringFault() {
  tally.sent++;
  const r = await call('POST', '/v1/check', undefined, CHECK);
  if (r.status >= 500) tally.fiveHundreds++;
  if (r.body.includes('"allowed":true')) tally.allowedWithoutSpiceDb++;
  return r;
}

beforeAll(async () => {
  // rac-authz starts first, while nothing listens where SpiceDB will be: it must serve, not ready
  spicedbPort = await freePort();
  proxy = await startDelayProxy(spicedbPort);
  httpPort = await freePort();
  procs.push(startRacAuthz(httpPort, proxy.port));
  await waitFor('rac-authz to listen', async () => (await fetch(`http://127.0.0.1:${httpPort}/healthz`)).status === 200);
}, 60_000);

it('starts while SpiceDB is down: live, not ready, checks 503, never allowed', async () => {
  expect((await fetch(`http://127.0.0.1:${httpPort}/readyz`)).status).toBe(503);
  tally.faults++;
  const r = await checkDuringFault();
  expect(r.status).toBe(503);
  expect(r.retryAfter).toBe('1');
});

it('becomes ready once SpiceDB is up, without a restart', async () => {
  spicedb = await startSpiceDb(spicedbPort);
  procs.push(spicedb);
  await waitFor('rac-authz ready', () => ready(httpPort), 60_000);
  const o = 'rep:FOWNER1';
  expect((await call('POST', '/v1/businesses', o, { bn: '975318642', name: 'Faulty' })).status).toBe(201);
  expect((await call('PUT', '/v1/clients/trust/T24681357/authorizations/business/975318642', 'client:trust:T24681357', { level: 1 })).status).toBe(201);
  const r = await call('POST', '/v1/check', undefined, CHECK);
  expect(JSON.parse(r.body).allowed).toBe(true);
}, 90_000);

it('SpiceDB killed mid-run: checks 503 with Retry-After, /readyz 503, never allowed; back when SpiceDB is', async () => {
  await spicedb.kill('SIGKILL');
  tally.faults++;
  for (let i = 0; i < 5; i++) {
    const r = await checkDuringFault();
    expect(r.status).toBe(503);
    expect(r.retryAfter).toBe('1');
  }
  expect((await fetch(`http://127.0.0.1:${httpPort}/readyz`)).status).toBe(503);
  spicedb = await startSpiceDb(spicedbPort);
  procs.push(spicedb);
  await waitFor('rac-authz ready again', () => ready(httpPort), 60_000);
  const r = await call('POST', '/v1/check', undefined, CHECK);
  expect(JSON.parse(r.body).allowed).toBe(true);
}, 120_000);

it('SpiceDB slower than the deadline: 503 with Retry-After, never allowed; fine again when it is quick', async () => {
  proxy.delayMs = 3000; // rac-authz's deadline is 2000 ms (SPICEDB_DEADLINE_MS)
  tally.faults++;
  const r = await checkDuringFault();
  expect(r.status).toBe(503);
  expect(r.retryAfter).toBe('1');
  expect(JSON.parse(r.body).type).toMatch(/\/engine-(timeout|unavailable)$/);
  proxy.delayMs = 0;
  await waitFor('checks answer again', async () => (await call('POST', '/v1/check', undefined, CHECK)).status === 200, 30_000);
  expect(JSON.parse((await call('POST', '/v1/check', undefined, CHECK)).body).allowed).toBe(true);
  expect(tally.allowedWithoutSpiceDb).toBe(0);
  process.stdout.write(
    `faults: ${tally.faults} injected, ${tally.sent} checks sent during them, ${tally.fiveHundreds} answered 5xx, ${tally.allowedWithoutSpiceDb} allowed\n`,
  );
}, 90_000);
