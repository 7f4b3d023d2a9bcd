// The rac-authz process against a SpiceDB server: one that refuses its key says so at error level
// (not as "not ready") and fails closed; and SIGTERM drains and exits 0 (src/http/shutdown.ts).
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { freePort, RAC_KEY, ready, startRacAuthz, startSpiceDb, waitFor, type Proc } from '../support/processes.js';

const procs: Proc[] = [];
let spicedbPort = 0;
beforeAll(async () => {
  spicedbPort = await freePort();
  procs.push(await startSpiceDb(spicedbPort));
}, 60_000);
afterAll(async () => {
  for (const p of procs) await p.kill();
});

const logLines = (p: Proc) =>
  p
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { level?: number; msg?: string; code?: string });

it('a SpiceDB that refuses its key: logged as an error naming the code, /readyz 503, checks 503 and never allowed', async () => {
  const port = await freePort();
  const rac = startRacAuthz(port, spicedbPort, { env: { SPICEDB_TOKEN: 'not-the-preshared-key' } });
  procs.push(rac);
  await waitFor('rac-authz answering', async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200, 60_000, rac);
  await waitFor('the refusal logged', async () => logLines(rac).some((l) => l.level === 50 && l.msg?.startsWith('SpiceDB refuses this service') && (l.code === 'PermissionDenied' || l.code === 'Unauthenticated')), 10_000, rac);
  expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(503);
  const checked = await fetch(`http://127.0.0.1:${port}/v1/check`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${RAC_KEY}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ rep: 'LIFEOWN', permission: 'view_employees', business: '135792468' }),
  });
  expect(checked.status).toBe(503);
  expect(await checked.text()).not.toContain('"allowed":true');
}, 90_000);

it('SIGTERM: a request under way on a kept-alive connection is answered, then the process exits 0', async () => {
  const port = await freePort();
  const rac = startRacAuthz(port, spicedbPort);
  procs.push(rac);
  await waitFor('rac-authz ready', () => ready(port), 60_000, rac);
  const exited = new Promise<number | null>((resolve) => rac.child.once('exit', (code) => resolve(code)));
  // a connection kept alive (fetch pools it), then a bulk check of 1000 on it, under way when the
  // signal comes
  await (await fetch(`http://127.0.0.1:${port}/healthz`)).text();
  const checks = Array.from({ length: 1000 }, (_, i) => ({ rep: `LIFE${String(i).padStart(3, '0')}`, permission: 'view_employees', business: '135792468' }));
  const underWay = fetch(`http://127.0.0.1:${port}/v1/check/bulk`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${RAC_KEY}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ checks }),
  });
  // (the drain's details are test/shutdown.test.ts's; this is the real process, end to end)
  await new Promise((r) => setTimeout(r, 50));
  rac.child.kill('SIGTERM');
  const answered = await underWay;
  expect(answered.status).toBe(200);
  expect((await answered.json()).results).toHaveLength(1000);
  expect(await exited).toBe(0);
}, 90_000);
