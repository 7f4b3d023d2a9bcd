// A caller that closes its connection in the middle of a streamed answer (an export, a client
// list) stops the read behind it: the writer sees the connection close (a closed socket never
// drains), the SpiceDB stream is let go, and nothing waits for good.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuthzStore, Relationship } from '../src/domain/store-port.js';
import { KEYS, startTestApp, type TestApp } from './support/app.js';
import { openTestStore } from './support/store.js';

let t: TestApp;
let server: http.Server;
let reads = 0;
let released = 0;

beforeAll(async () => {
  const real = await openTestStore();
  // a store whose relationship reads never end: an export of it streams until its caller stops
  const endless: AuthzStore = Object.create(real) as AuthzStore;
  endless.readRelationships = async function* (): AsyncIterable<Relationship> {
    reads++;
    try {
      for (let i = 0; ; i++) {
        yield { resource: { type: 'business', id: '123456789' }, relation: 'junior_rep', subject: { type: 'rep', id: `R${String(i % 1_000_000).padStart(6, '0')}` } };
        if (i % 256 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      released++;
    }
  };
  t = await startTestApp({ store: endless });
  server = http.createServer(t.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await t.close();
});

it('an export whose caller goes away mid-stream stops reading, and says so in the log (not as a failure)', async () => {
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/v1/export', headers: { Authorization: `Bearer ${KEYS.ops}` } }, (res) => {
      expect(res.statusCode).toBe(200);
      res.once('data', () => {
        // stop reading: the service's socket buffer fills, then the connection closes
        res.pause();
        setTimeout(() => {
          req.destroy();
          resolve();
        }, 200);
      });
    });
    req.on('error', (err) => (req.destroyed ? undefined : reject(err)));
  });
  const until = Date.now() + 5_000;
  while (released < reads && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(reads).toBe(1);
  expect(released).toBe(1);
  expect(t.logs.some((l) => l.includes('caller closed the connection mid-stream'))).toBe(true);
  expect(t.logs.some((l) => l.includes('export failed mid-stream'))).toBe(false);
});

it('a caller that gives up before any answer is logged and counted as 499 (the slowest requests are not lost from the log)', async () => {
  const real = await openTestStore();
  const slow: AuthzStore = Object.create(real) as AuthzStore;
  slow.checkBulk = async (qs, c) => {
    await new Promise((resolve) => setTimeout(resolve, 500));
    return real.checkBulk(qs, c);
  };
  const app = await startTestApp({ store: slow });
  const s = http.createServer(app.app);
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = s.address() as AddressInfo;
    const body = JSON.stringify({ rep: 'GONE499', permission: 'view', client: { type: 'trust', id: 'T49949949' } });
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/check', headers: { Authorization: `Bearer ${KEYS.check}`, 'Content-Type': 'application/json' } });
    req.on('error', () => undefined);
    req.end(body);
    await new Promise((resolve) => setTimeout(resolve, 100));
    req.destroy();
    const until = Date.now() + 5_000;
    const line = () => app.logs.find((l) => l.includes('"route":"/v1/check"') && l.includes('"status":499'));
    while (!line() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(line()).toBeDefined();
    const metrics = await app.deps.metrics!.registry.metrics();
    expect(metrics).toMatch(/rac_http_request_duration_seconds_count\{[^}]*route="\/v1\/check"[^}]*status="499"[^}]*\} 1/);
  } finally {
    await new Promise((resolve) => s.close(resolve));
    await app.close();
  }
});
